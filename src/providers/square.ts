import { OK, anyMatch, decode, fail, mac, text, time } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

/**
 * Square: `x-square-hmacsha256-signature` = base64 HMAC-SHA256 with the
 * subscription's signature key over the notification URL (exactly as
 * configured in Square) followed by the raw body.
 */
export const square: ProviderDefinition<Record<string, never>> = {
  name: 'square',
  keys: [],
  needsSecret: true,
  signsUrl: true,
  parseOptions: () => ({}),
  create(source) {
    return {
      verify(req) {
        const signature = header(req, 'x-square-hmacsha256-signature');
        if (!signature) return fail('missing x-square-hmacsha256-signature header');
        return anyMatch(source.secrets, [decode(signature, 'base64')], (s) => mac('sha256', s, req.url, req.rawBody))
          ? OK
          : fail('no signature matches (check publicUrl: Square signs the notification URL)');
      },
      extract(_req, body) {
        return {
          eventId: text(body, 'event_id'),
          eventType: text(body, 'type'),
          occurredAt: time(body, 'created_at'),
          orderingKey: text(body, 'data', 'id'),
        };
      },
    };
  },
};
