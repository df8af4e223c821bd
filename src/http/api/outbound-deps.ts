import type { Config } from '../../config/types.ts';
import type { OperationalWebhooks } from '../../delivery/operational.ts';
import type { NetworkPolicies } from '../../delivery/network-policy.ts';
import type { AddressGuard } from '../../delivery/ssrf.ts';
import { apiError } from '../../error-catalogue.ts';
import type { HttpError } from '../../errors.ts';
import type { LiveBus } from '../../live/bus.ts';
import type { Created } from '../../store/outbound.ts';
import type { Store } from '../../store/store.ts';

/** What the outbound API's routes share. */
export interface OutboundDeps {
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

/** The record of a write, or 409 naming the taken uid or name. */
export function created<T>(result: Created<T>): T {
  if ('conflict' in result) throw apiError('conflict', result.conflict);
  return result.ok;
}

export function validation(field: string, message: string): HttpError {
  return apiError('validation', `${field}: ${message}`);
}

/** Svix sends `throttleRate`; older clients `rateLimit`. */
export function rateOf(body: { throttleRate?: number | null; rateLimit?: number | null }, fallback: number | null): number | null {
  if (body.throttleRate !== undefined) return body.throttleRate;
  if (body.rateLimit !== undefined) return body.rateLimit;
  return fallback;
}
