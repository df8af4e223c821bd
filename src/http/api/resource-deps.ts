import { PortalTokens } from '../../auth/portal-tokens.ts';
import type { Config } from '../../config/types.ts';
import { NetworkPolicies } from '../../delivery/network-policy.ts';
import { OperationalWebhooks } from '../../delivery/operational.ts';
import { AddressGuard } from '../../delivery/ssrf.ts';
import type { LiveBus } from '../../live/bus.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Store } from '../../store/store.ts';

/** What the resource routes (applications, endpoints, event types, message create, portal access) share. */
export interface ResourceDeps {
  store: Store;
  config: Config;
  /** The global SSRF guard (the YAML's `allowPrivateNetworks`); endpoints are judged by `policies`, per application. */
  guard: AddressGuard;
  policies: NetworkPolicies;
  operational: OperationalWebhooks;
  /** Deliveries became due in this process: wake the worker. */
  onQueued: () => void;
  /** A bulk recovery job was stored (Svix's recover maps onto one): wake this process's job runner. */
  onBulkJob: () => void;
  /** Where a message created through the API is announced, as an inbound one is (live stream, flow counters). */
  live?: LiveBus;
}

/** Everything the resource routes need, built from the gateway's parts. */
export function resourceDeps(
  store: Store,
  config: Config,
  log: Logger,
  onQueued: () => void,
  onBulkJob: (() => void) | undefined,
  portalKey: Buffer,
): ResourceDeps & { tokens: PortalTokens } {
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
