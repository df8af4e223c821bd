import type { TransformLimitsConfig } from '../config/types.ts';
import type { Transformation } from '../store/records.ts';
import type { LeasedDelivery } from '../store/store.ts';
import { runInSandbox } from './sandbox.ts';
import { payloadValue, readResult, transformInput, type TransformInput, type TransformVerdict } from './webhook.ts';

/** What an endpoint's transformation made of one delivery. */
export type DeliveryTransform =
  | { kind: 'send'; leased: LeasedDelivery }
  | { kind: 'cancel'; reason: string }
  | { kind: 'failed'; error: string };

/** What `…/transformation/test` answers. */
export type TestOutcome =
  | { ok: true; cancelled: false; webhook: TransformInput }
  | { ok: true; cancelled: true; reason: string }
  | { ok: false; error: string };

/**
 * Runs transformations with the configured limits and turns their results into
 * what the deliverer or ingest does next. Never throws: a transformation's
 * failure is that delivery's (or message's) failure, never the process's.
 */
export class Transformer {
  constructor(private readonly limits: TransformLimitsConfig) {}

  /** Runs `code` on `input` and checks the result against what may change. */
  async run(code: string, input: TransformInput, original: Buffer, allowedOrigin: string | null): Promise<TransformVerdict> {
    const result = await runInSandbox(code, input, this.limits);
    if (!result.ok) return { kind: 'invalid', error: result.error };
    return readResult(input, original, result.value, allowedOrigin);
  }

  /**
   * An endpoint's transformation on one delivery, before it is signed: the
   * deliverer then signs and sends the bytes that come out, so the receiver's
   * check is over exactly what it got. The function sees the headers that will
   * be sent (the sender's forwarded ones and the endpoint's own); what it
   * returns replaces both.
   */
  async forDelivery(leased: LeasedDelivery): Promise<DeliveryTransform> {
    const t = leased.endpoint.transformation;
    if (!t?.enabled) return { kind: 'send', leased };
    const { message, endpoint } = leased;
    const body = message.payload ?? Buffer.alloc(0);
    const input = transformInput('POST', endpoint.url, { ...message.headers, ...endpoint.headers }, body, message.eventType);
    const verdict = await this.run(t.code, input, body, originOf(endpoint.url));
    if (verdict.kind === 'invalid') return { kind: 'failed', error: `transformation failed: ${verdict.error}` };
    if (verdict.kind === 'cancel') return { kind: 'cancel', reason: verdict.reason };
    // The sender's headers the function left as they were still pass the provider's forwarding rule; what it
    // added or changed is its own choice and goes out as the endpoint's headers do (always).
    const kept: Record<string, string> = {};
    const own: Record<string, string> = {};
    for (const [name, value] of Object.entries(verdict.headers)) {
      if (message.headers[name] === value) kept[name] = value;
      else own[name] = value;
    }
    return {
      kind: 'send',
      leased: {
        ...leased,
        message: { ...message, payload: verdict.body, headers: kept, eventType: verdict.eventType },
        endpoint: { ...endpoint, url: verdict.url, headers: own },
      },
    };
  }

  /** Runs code on a sample for the editors, with the same limits and rules as the real thing. */
  async test(t: Pick<Transformation, 'code'>, input: TransformInput, allowedOrigin: string | null): Promise<TestOutcome> {
    const original = Buffer.from(typeof input.payload === 'string' ? input.payload : JSON.stringify(input.payload));
    const verdict = await this.run(t.code, input, original, allowedOrigin);
    if (verdict.kind === 'invalid') return { ok: false, error: verdict.error };
    if (verdict.kind === 'cancel') return { ok: true, cancelled: true, reason: verdict.reason };
    return {
      ok: true,
      cancelled: false,
      webhook: {
        method: input.method,
        url: verdict.url,
        headers: verdict.headers,
        payload: payloadValue(verdict.body),
        eventType: verdict.eventType,
      },
    };
  }
}

/** The scheme, host and port a transformation may move a delivery within; `null` for a URL that has none. */
export function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}
