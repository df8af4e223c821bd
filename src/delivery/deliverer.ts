import type { Agent } from 'undici';
import type { Endpoint } from '../store/records.ts';
import type { LeasedDelivery } from '../store/store.ts';
import { endpointType, type EndpointType } from './endpoint-type.ts';
import type { SourceSigners } from './provider-signature.ts';
import { sendDelivery, type SendResult } from './send.ts';

/** One way a delivery leaves the gateway. Never throws: every failure is a result. */
export interface Deliverer {
  send(leased: LeasedDelivery, timeoutMs: number, shutdown: AbortSignal): Promise<SendResult>;
}

/**
 * HTTP endpoints: `send.ts` through the SSRF-guarded agent of the message's
 * application (its network policy decides which addresses it may reach).
 */
export function httpDeliverer(agentFor: (appId: string) => Promise<Agent>, signers?: SourceSigners): Deliverer {
  return {
    send: async (leased, timeoutMs, shutdown) => sendDelivery(await agentFor(leased.message.appId), leased, timeoutMs, shutdown, signers),
  };
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
