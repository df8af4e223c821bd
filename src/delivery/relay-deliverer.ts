import { defaults } from '../config/defaults.ts';
import { formatDuration } from '../config/units.ts';
import type { RelayHub } from '../relay/hub.ts';
import type { LeasedDelivery } from '../store/store.ts';
import type { Deliverer } from './deliverer.ts';
import { RELAY_KEEP_KEY } from './endpoint-type.ts';
import type { SourceSigners } from './provider-signature.ts';
import { deliveryRequest, type SendResult } from './send.ts';
import { storedRequestHeaders, storedResponseHeaders } from './attempt-headers.ts';

/**
 * What happens to a relay delivery that finds no listener: it waits (looked at
 * again after `relayAbsentRecheckMs`) until its message is older than the
 * listener's `--keep`, then it goes dead.
 */
export function whileAway(receivedAt: number, keepMs: number, now: number): { until: number } | { dead: string } {
  if (now - receivedAt > keepMs) return { dead: `no sluice listen connected within ${formatDuration(keepMs)} (its --keep)` };
  return { until: now + defaults.relayAbsentRecheckMs };
}

/**
 * Relay endpoints: the delivery goes to the endpoint's `sluice listen` session
 * held by this process, which POSTs the same bytes and headers to the local
 * handler and answers with what it got; that answer is the attempt. With no
 * listener here, the delivery waits (its lease is given back for a while, no
 * attempt counted) until the listener's `--keep` runs out, then goes dead.
 */
export function relayDeliverer(hub: RelayHub, signers?: SourceSigners): Deliverer {
  return {
    async send(leased: LeasedDelivery, timeoutMs: number, shutdown: AbortSignal): Promise<SendResult> {
      const { delivery, endpoint, message } = leased;
      const startedAt = Date.now();
      const base = { startedAt, durationMs: 0, status: null, responseBody: null, error: null, retryAfterMs: undefined, interrupted: false };
      const away = (): SendResult => {
        const verdict = whileAway(message.receivedAt, Number(endpoint.metadata[RELAY_KEEP_KEY]) || defaults.relayKeepMs, Date.now());
        return 'dead' in verdict ? { ...base, error: verdict.dead, permanent: true } : { ...base, postponeUntil: verdict.until };
      };
      if (!hub.connected(endpoint.id)) return away();
      const { body, headers } = deliveryRequest(leased, startedAt, signers);
      const outcome = await hub.deliver(
        endpoint.id,
        {
          type: 'delivery',
          id: `${delivery.id}.${delivery.attempts + 1}`,
          msgId: message.id,
          eventType: message.eventType,
          headers,
          body: body.toString('base64'),
          timeoutMs,
        },
        timeoutMs,
        shutdown,
      );
      if (outcome.kind === 'absent') return shutdown.aborted ? { ...base, interrupted: true } : away();
      if (outcome.kind === 'timeout')
        return { ...base, durationMs: Date.now() - startedAt, error: `the listener did not answer within ${timeoutMs} ms` };
      // The frame is the listener's say: only well-formed values reach the attempt row (a bad one must not fail its write).
      const r = outcome.result as Partial<Record<keyof typeof outcome.result, unknown>>;
      const status = Number.isInteger(r.status) && (r.status as number) >= 100 && (r.status as number) <= 999 ? (r.status as number) : null;
      const took =
        typeof r.durationMs === 'number' && Number.isFinite(r.durationMs) && r.durationMs >= 0
          ? Math.min(Math.round(r.durationMs), timeoutMs)
          : Date.now() - startedAt;
      const contentType = (r.headers as Record<string, unknown> | null | undefined)?.['content-type'];
      return {
        ...base,
        durationMs: took,
        status,
        responseBody: typeof r.body === 'string' ? r.body.slice(0, defaults.responseBodyLimit) : null,
        error:
          status === null ? (typeof r.error === 'string' && r.error !== '' ? r.error.slice(0, 1024) : 'the listener gave no status') : null,
        contentType: typeof contentType === 'string' ? contentType.slice(0, 256) : undefined,
        requestHeaders: storedRequestHeaders(headers, endpoint.headers),
        ...(isHeaderMap(r.headers) ? { responseHeaders: storedResponseHeaders(r.headers) } : {}),
      };
    },
  };
}

/** A listener's answer headers as a name → text map; anything else in the frame is left out of the attempt. */
function isHeaderMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}
