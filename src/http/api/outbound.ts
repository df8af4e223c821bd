import type { FastifyInstance } from 'fastify';
import { applicationRoutes } from './applications.ts';
import { endpointRoutes } from './endpoints.ts';
import { eventTypeRoutes } from './event-types.ts';
import { messageCreateRoutes } from './message-create.ts';
import type { OutboundDeps } from './outbound-deps.ts';
import { OperationalWebhooks } from '../../delivery/operational.ts';
import { AddressGuard } from '../../delivery/ssrf.ts';
import type { Logger } from '../../observability/logger.ts';
import type { ScopedTokens } from './auth.ts';
import { portalMayAccess, portalRoutes, PortalTokens } from './portal.ts';
import { transformationRoutes } from './transformations.ts';

/** The outbound API's routes (applications, endpoints, event types, message create, portal access). */
export async function outboundRoutes(app: FastifyInstance, deps: OutboundDeps & { tokens: PortalTokens }): Promise<void> {
  await app.register(applicationRoutes, deps);
  await app.register(endpointRoutes, deps);
  await app.register(eventTypeRoutes, deps);
  await app.register(messageCreateRoutes, deps);
  await app.register(portalRoutes, deps);
  await app.register(transformationRoutes, deps);
}

/** Everything the outbound routes need, built from the gateway's parts. */
export function outboundDeps(store: OutboundDeps['store'], config: OutboundDeps['config'], log: Logger, onQueued: () => void): OutboundDeps & { tokens: PortalTokens } {
  return {
    store, config, onQueued,
    guard: new AddressGuard(config.network),
    operational: new OperationalWebhooks(store, log, onQueued),
    tokens: new PortalTokens(config.apiToken),
  };
}

/** The scope's auth accepts app-portal tokens on their application's own routes. */
export function portalScope(deps: OutboundDeps & { tokens: PortalTokens }): ScopedTokens {
  return {
    appOf: (token) => deps.tokens.verify(token, Date.now()),
    allows: (req, appId) => portalMayAccess(deps.store, req, appId),
  };
}
