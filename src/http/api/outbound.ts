import type { FastifyInstance } from 'fastify';
import { applicationRoutes } from './applications.ts';
import { endpointRoutes } from './endpoints.ts';
import { eventTypeRoutes } from './event-types.ts';
import { messageCreateRoutes } from './message-create.ts';
import type { OutboundDeps } from './outbound-deps.ts';
import { OperationalWebhooks } from '../../delivery/operational.ts';
import { NetworkPolicies } from '../../delivery/network-policy.ts';
import { AddressGuard } from '../../delivery/ssrf.ts';
import type { Logger } from '../../observability/logger.ts';
import { PortalTokens } from '../../auth/portal-tokens.ts';
import { portalRoutes } from './portal.ts';
import { svixExtraRoutes } from './svix-extras.ts';
import { transformationRoutes } from './transformations.ts';

/** The outbound API's routes (applications, endpoints, event types, message create, portal access). */
export async function outboundRoutes(app: FastifyInstance, deps: OutboundDeps & { tokens: PortalTokens }): Promise<void> {
  await app.register(applicationRoutes, deps);
  await app.register(endpointRoutes, deps);
  await app.register(eventTypeRoutes, deps);
  await app.register(messageCreateRoutes, deps);
  await app.register(portalRoutes, deps);
  await app.register(svixExtraRoutes, deps);
  await app.register(transformationRoutes, deps);
}

/** Everything the outbound routes need, built from the gateway's parts. */
export function outboundDeps(
  store: OutboundDeps['store'],
  config: OutboundDeps['config'],
  log: Logger,
  onQueued: () => void,
  onBulkJob: (() => void) | undefined,
  portalKey: Buffer,
): OutboundDeps & { tokens: PortalTokens } {
  return {
    store,
    config,
    onQueued,
    onBulkJob: onBulkJob ?? (() => undefined),
    guard: new AddressGuard(config.network),
    policies: new NetworkPolicies(store, config),
    operational: new OperationalWebhooks(store, log, onQueued),
    tokens: new PortalTokens(portalKey),
  };
}
