import { OK, anyMatch, checkAge, decode, fail, mac, secondsHeader, signatureFields, text, time } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`, HMAC-SHA256 over
 * `${t}.${raw}`. The key is the whole `whsec_…` string as UTF-8 — unlike
 * Standard Webhooks it is not base64-decoded. During a secret roll Stripe
 * sends one v1 per active secret, so any v1 may match.
 */
export const stripe: ProviderDefinition<Record<string, never>> = {
  name: 'stripe',
  keys: [],
  needsSecret: true,
  parseOptions: () => ({}),
  create(source) {
    return {
      verify(req, nowMs) {
        const value = header(req, 'stripe-signature');
        if (!value) return fail('missing Stripe-Signature header');
        const fields = signatureFields(value, ',');
        const t = fields.get('t')?.at(-1);
        const v1 = (fields.get('v1') ?? []).map((v) => decode(v, 'hex'));
        if (t === undefined) return fail('Stripe-Signature has no t= timestamp');
        if (v1.length === 0) return fail('Stripe-Signature has no v1 signature');
        const age = checkAge(secondsHeader(t), nowMs, source.toleranceMs, 'Stripe-Signature timestamp');
        if (!age.ok) return age;
        return anyMatch(source.secrets, v1, (s) => mac('sha256', s, `${t}.`, req.rawBody)) ? OK : fail('no signature matches');
      },
      // One v1 per secret, as Stripe itself sends during a secret roll.
      resign(payload, nowMs) {
        const t = Math.floor(nowMs / 1000);
        const v1 = source.secrets.map((s) => `v1=${mac('sha256', s, `${t}.`, payload).toString('hex')}`);
        return { 'stripe-signature': [`t=${t}`, ...v1].join(',') };
      },
      extract(_req, body) {
        return {
          eventId: text(body, 'id'),
          eventType: text(body, 'type'),
          occurredAt: time(body, 'created'),
          orderingKey: text(body, 'data', 'object', 'id'),
        };
      },
    };
  },
};
