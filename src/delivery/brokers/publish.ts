import type { LeasedDelivery } from '../../store/store.ts';
import type { SourceSigners } from '../provider-signature.ts';
import { deliveryRequest, type SendResult } from '../send.ts';

/**
 * What every broker deliverer publishes: the same bytes and headers an HTTP
 * receiver gets (Standard Webhooks id, timestamp and signature, the sender's
 * forwarded headers, the endpoint's headers), plus the event type, so a
 * consumer verifies and dedupes as an HTTP receiver does.
 */
export function brokerMessage(
  leased: LeasedDelivery,
  at: number,
  signers?: SourceSigners,
): { body: Buffer; headers: Record<string, string> } {
  const { body, headers } = deliveryRequest(leased, at, signers);
  delete headers['user-agent'];
  if (leased.message.eventType) headers['sluice-event-type'] = leased.message.eventType;
  return { body, headers };
}

/**
 * Runs one confirmed publish within the attempt's timeout. A broker's ack is
 * the attempt's success (recorded as status 200 with what the broker said);
 * anything else — down, refused, no ack in time — is a failed attempt that
 * follows the retry schedule. Never throws.
 */
export async function confirmed(timeoutMs: number, shutdown: AbortSignal, publish: () => Promise<string>): Promise<SendResult> {
  const startedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const result = (status: number | null, responseBody: string | null, error: string | null): SendResult => ({
    startedAt,
    durationMs: Date.now() - startedAt,
    status,
    responseBody,
    error,
    retryAfterMs: undefined,
    interrupted: shutdown.aborted,
  });
  try {
    const ack = await Promise.race([
      publish(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no confirmation from the broker within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return result(200, ack, null);
  } catch (err) {
    return result(null, null, (err as Error).message || String(err));
  } finally {
    clearTimeout(timer);
  }
}
