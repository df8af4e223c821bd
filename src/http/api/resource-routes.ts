import type { FastifyInstance } from 'fastify';
import type { PortalTokens } from '../../auth/portal-tokens.ts';
import { applicationRoutes } from './applications.ts';
import { endpointRoutes } from './endpoints.ts';
import { eventTypeRoutes } from './event-types.ts';
import { messageCreateRoutes } from './message-create.ts';
import { portalRoutes } from './portal.ts';
import type { ResourceDeps } from './resource-deps.ts';
import { svixExtraRoutes } from './svix-extras.ts';
import { transformationRoutes } from './transformations.ts';

/**
 * The routes of an application's resources, the things an API caller sets up
 * rather than the traffic they carry: applications, endpoints (with their
 * secrets, headers and transformations), event types, message create, and
 * app-portal access.
 */
export async function resourceRoutes(app: FastifyInstance, deps: ResourceDeps & { tokens: PortalTokens }): Promise<void> {
  await app.register(applicationRoutes, deps);
  await app.register(endpointRoutes, deps);
  await app.register(eventTypeRoutes, deps);
  await app.register(messageCreateRoutes, deps);
  await app.register(portalRoutes, deps);
  await app.register(svixExtraRoutes, deps);
  await app.register(transformationRoutes, deps);
}
