import { OK, anyMatch, decode, fail, mac, text, time } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

/** Typeform: `Typeform-Signature: sha256=<base64>` = HMAC-SHA256 of the raw body. */
export const typeform: ProviderDefinition<Record<string, never>> = {
  name: 'typeform',
  keys: [],
  needsSecret: true,
  parseOptions: () => ({}),
  create(source) {
    return {
      verify(req) {
        const signature = header(req, 'typeform-signature');
        if (!signature) return fail('missing Typeform-Signature header');
        if (!signature.startsWith('sha256=')) return fail('Typeform-Signature does not start with sha256=');
        return anyMatch(source.secrets, [decode(signature.slice(7), 'base64')], (s) => mac('sha256', s, req.rawBody)) ? OK : fail('no signature matches');
      },
      extract(_req, body) {
        return {
          eventId: text(body, 'event_id'),
          eventType: text(body, 'event_type'),
          occurredAt: time(body, 'form_response', 'submitted_at'),
          orderingKey: text(body, 'form_response', 'token'),
        };
      },
    };
  },
};
