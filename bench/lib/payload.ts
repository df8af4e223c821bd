import { createHmac } from 'node:crypto';
import { secretKey, sign } from '../../src/signing/standard-webhooks.ts';
import { preciseNow } from './stats.ts';

/** The secret every bench source and endpoint uses (loopback only, never a real one). */
export const BENCH_SECRET = 'whsec_YmVuY2gtc2VjcmV0LW5vdC1mb3ItdXNlLTAxMjM=';
/** The same key as text, for peers configured with a plain HMAC secret. */
export const BENCH_HMAC_SECRET = secretKey(BENCH_SECRET).toString('utf8');
/** How a request is signed: Standard Webhooks (Sluice's source), or a hex HMAC-SHA256 of the body in `x-signature` (peers). */
export type Signing = 'standard-webhooks' | 'hmac-sha256';

/**
 * A JSON event shaped like a payment provider's (nested object, ids, amounts,
 * metadata), padded with a description to `size` bytes. `sentAt` comes first
 * so the sink reads it without parsing the whole body: it is the send time in
 * ms (fractional), the start of the ingest-to-delivered latency.
 */
export class PayloadFactory {
  private readonly tail: string;
  private readonly key: Buffer;

  constructor(size: number, secret = BENCH_SECRET) {
    this.key = secretKey(secret);
    const event = {
      type: 'invoice.paid',
      api_version: '2024-06-20',
      data: {
        object: {
          object: 'invoice',
          customer: 'cus_Q2x9bench0001',
          amount_due: 129900,
          amount_paid: 129900,
          currency: 'eur',
          status: 'paid',
          lines: [
            { id: 'il_1', amount: 99900, description: 'Pro plan', quantity: 1 },
            { id: 'il_2', amount: 30000, description: 'Seats', quantity: 3 },
          ],
          metadata: { order: 'ord_8842', region: 'eu-west' },
          description: '',
        },
      },
    };
    const skeleton = JSON.stringify(event);
    const head = this.head(preciseNow(), 'evt_0000000000000000');
    const pad = Math.max(0, size - head.length - skeleton.length);
    event.data.object.description = 'x'.repeat(pad);
    this.tail = JSON.stringify(event).slice(1);
  }

  private head(sentAt: number, eventId: string): string {
    return `{"sentAt":${sentAt.toFixed(3)},"id":"${eventId}",`;
  }

  /** One request: a unique event id, signed now. */
  make(
    webhookId: string,
    sentAt = preciseNow(),
    signing: Signing = 'standard-webhooks',
  ): { body: Buffer; headers: Record<string, string> } {
    const body = Buffer.from(this.head(sentAt, webhookId) + this.tail);
    if (signing === 'hmac-sha256')
      return {
        body,
        headers: {
          'content-type': 'application/json',
          'x-signature': `sha256=${createHmac('sha256', this.key).update(body).digest('hex')}`,
        },
      };
    const ts = Math.floor(sentAt / 1000);
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': webhookId,
        'webhook-timestamp': String(ts),
        'webhook-signature': sign(this.key, webhookId, ts, body),
      },
    };
  }
}

/** Reads `sentAt` back from the start of a body made above; `undefined` for other bodies. */
export function readSentAt(body: Buffer): number | undefined {
  const match = /^\{"sentAt":([\d.]+),/.exec(body.subarray(0, 40).toString('latin1'));
  return match ? Number(match[1]) : undefined;
}
