import type { FanOutEndpoint, FanOutMessage, PlannedDelivery } from '../store/rules.ts';
import { holdBackMs, routeMessage } from './routing.ts';

/**
 * The deliveries a message's fan-out writes (ingest, release from the
 * quarantine): one `pending` per endpoint it routes to, due after the FIFO
 * hold-back and not before `notBefore` (a scheduled message); one `skipped`
 * where the payload filter said no and the endpoint records those; nothing
 * for an endpoint the type, channel or disabled flag rules out.
 */
export function planFanOut(
  endpoints: FanOutEndpoint[],
  message: FanOutMessage,
  now: number,
  sourceWindowMs: number | undefined,
  notBefore = 0,
): PlannedDelivery[] {
  const out: PlannedDelivery[] = [];
  for (const { endpoint, route } of routeMessage(endpoints, message)) {
    if (route === 'deliver') {
      const nextAt = Math.max(now + holdBackMs(endpoint, message.orderingKey, sourceWindowMs), notBefore);
      out.push({ endpointId: endpoint.id, state: 'pending', nextAt, skipReason: null });
    } else if (endpoint.recordSkipped) {
      out.push({ endpointId: endpoint.id, state: 'skipped', nextAt: null, skipReason: 'filtered' });
    }
  }
  return out;
}
