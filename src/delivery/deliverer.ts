import type { Agent } from 'undici';
import type { Endpoint } from '../store/records.ts';
import type { LeasedDelivery } from '../store/store.ts';
import { endpointType, type EndpointType } from './endpoint-type.ts';
import { sendDelivery, type SendResult } from './send.ts';

/** One way a delivery leaves the gateway. Never throws: every failure is a result. */
export interface Deliverer {
  send(leased: LeasedDelivery, timeoutMs: number, shutdown: AbortSignal): Promise<SendResult>;
}

/** HTTP endpoints: `send.ts` through the shared, SSRF-guarded agent. */
export function httpDeliverer(agent: Agent): Deliverer {
  return { send: (leased, timeoutMs, shutdown) => sendDelivery(agent, leased, timeoutMs, shutdown) };
}

/**
 * The deliverer for an endpoint, by its type: one file per type beside
 * `send.ts` (`relay-deliverer.ts`, and broker types the same way).
 */
export class Deliverers {
  constructor(private readonly byType: Partial<Record<EndpointType, Deliverer>> & { http: Deliverer }) {}

  for(endpoint: Pick<Endpoint, 'url'>): Deliverer | undefined {
    return this.byType[endpointType(endpoint)];
  }
}
