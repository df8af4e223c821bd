import { defaults } from '../config/defaults.ts';
import { formatDuration } from '../config/units.ts';
import type { RelayHub } from '../relay/hub.ts';
import type { LeasedDelivery } from '../store/store.ts';
import type { Deliverer } from './deliverer.ts';
import { RELAY_KEEP_KEY } from './endpoint-type.ts';
import { deliveryRequest, type SendResult } from './send.ts';

/**
 * Relay endpoints: the delivery goes to the endpoint's `sluice listen` session
 * held by this process, which POSTs the same bytes and headers to the local
 * handler and answers with what it got; that answer is the attempt. With no
 * listener here, the delivery waits (its lease is given back for a while, no
 * attempt counted) until the listener's `--keep` runs out, then goes dead.
 */
export function relayDeliverer(hub: RelayHub): Deliverer {
  return {
    async send(leased: LeasedDelivery, timeoutMs: number, shutdown: AbortSignal): Promise<SendResult> {
      const { delivery, endpoint, message } = leased;
      const startedAt = Date.now();
      const base = { startedAt, durationMs: 0, status: null, responseBody: null, error: null, retryAfterMs: undefined, interrupted: false };
      const away = (): SendResult => {
        const keepMs = Number(endpoint.metadata[RELAY_KEEP_KEY]) || defaults.relayKeepMs;
        if (Date.now() - message.receivedAt > keepMs) {
          return { ...base, error: `no sluice listen connected within ${formatDuration(keepMs)} (its --keep)`, permanent: true };
        }
        return { ...base, postponeUntil: Date.now() + defaults.relayAbsentRecheckMs };
      };
      if (!hub.connected(endpoint.id)) return away();
      const { body, headers } = deliveryRequest(leased, startedAt);
      const outcome = await hub.deliver(endpoint.id, {
        type: 'delivery',
        id: `${delivery.id}.${delivery.attempts + 1}`,
        msgId: message.id,
        eventType: message.eventType,
        headers,
        body: body.toString('base64'),
        timeoutMs,
      }, timeoutMs, shutdown);
      if (outcome.kind === 'absent') return shutdown.aborted ? { ...base, interrupted: true } : away();
      if (outcome.kind === 'timeout') return { ...base, durationMs: Date.now() - startedAt, error: `the listener did not answer within ${timeoutMs} ms` };
      const r = outcome.result;
      const status = typeof r.status === 'number' ? r.status : null;
      return {
        ...base,
        durationMs: Number.isFinite(r.durationMs) ? r.durationMs : Date.now() - startedAt,
        status,
        responseBody: typeof r.body === 'string' ? r.body.slice(0, defaults.responseBodyLimit) : null,
        error: status === null ? (r.error ?? 'the listener gave no status') : null,
        contentType: r.headers?.['content-type'],
      };
    },
  };
}
