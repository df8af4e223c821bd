import { OK, anyMatch, decode, fail, mac, signatureFields, text, time } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

/**
 * PagerDuty (v3 webhooks): `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>]`,
 * HMAC-SHA256 of the raw body; one v1 per secret of the subscription.
 */
export const pagerduty: ProviderDefinition<Record<string, never>> = {
  name: 'pagerduty',
  keys: [],
  needsSecret: true,
  parseOptions: () => ({}),
  create(source) {
    return {
      verify(req) {
        const value = header(req, 'x-pagerduty-signature');
        if (!value) return fail('missing X-PagerDuty-Signature header');
        const given = (signatureFields(value, ',').get('v1') ?? []).map((v) => decode(v, 'hex'));
        if (given.length === 0) return fail('X-PagerDuty-Signature has no v1 signature');
        return anyMatch(source.secrets, given, (s) => mac('sha256', s, req.rawBody)) ? OK : fail('no signature matches');
      },
      extract(req, body) {
        return {
          eventId: header(req, 'x-webhook-id') ?? text(body, 'event', 'id'),
          eventType: text(body, 'event', 'event_type'),
          occurredAt: time(body, 'event', 'occurred_at'),
          orderingKey: text(body, 'event', 'data', 'id'),
        };
      },
    };
  },
};
