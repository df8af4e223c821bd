import { OK, anyMatch, checkAge, decode, fail, mac, secondsHeader, signatureFields, text, time } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

/**
 * Paddle Billing: `Paddle-Signature: ts=<unix>;h1=<hex>[;h1=…]`,
 * HMAC-SHA256 of `${ts}:${raw}` with the notification destination's secret.
 * Paddle sends one h1 per active secret while a secret is being rotated.
 */
export const paddle: ProviderDefinition<Record<string, never>> = {
  name: 'paddle',
  keys: [],
  needsSecret: true,
  parseOptions: () => ({}),
  create(source) {
    return {
      verify(req, nowMs) {
        const value = header(req, 'paddle-signature');
        if (!value) return fail('missing Paddle-Signature header');
        const fields = signatureFields(value, ';');
        const ts = fields.get('ts')?.at(-1);
        const h1 = (fields.get('h1') ?? []).map((v) => decode(v, 'hex'));
        if (ts === undefined || h1.length === 0) return fail('Paddle-Signature needs ts= and h1=');
        const age = checkAge(secondsHeader(ts), nowMs, source.toleranceMs, 'Paddle-Signature timestamp');
        if (!age.ok) return age;
        return anyMatch(source.secrets, h1, (s) => mac('sha256', s, `${ts}:`, req.rawBody)) ? OK : fail('no signature matches');
      },
      extract(_req, body) {
        return {
          eventId: text(body, 'event_id'),
          eventType: text(body, 'event_type'),
          occurredAt: time(body, 'occurred_at'),
          orderingKey: text(body, 'data', 'id'),
        };
      },
    };
  },
};
