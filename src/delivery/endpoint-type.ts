import { RELAY_SCHEME } from '../config/endpoint.ts';
import type { Endpoint } from '../store/records.ts';
import { brokerTypeOf, type BrokerType } from './brokers/target.ts';

export { RELAY_SCHEME };

/** How a delivery leaves: over HTTP, or to a `sluice listen` session (more types may follow, one deliverer each). */
export type EndpointType = 'http' | 'relay' | BrokerType;

export function endpointType(endpoint: Pick<Endpoint, 'url'>): EndpointType {
  if (endpoint.url.startsWith(`${RELAY_SCHEME}//`)) return 'relay';
  return brokerTypeOf(endpoint.url) ?? 'http';
}

export function relayUrl(name: string): string {
  return `${RELAY_SCHEME}//${name}`;
}

/** Endpoint metadata key holding how long an absent listener's deliveries are kept (ms, `--keep`). */
export const RELAY_KEEP_KEY = 'sluice.relay.keepMs';
