import { bodyMac, text, time } from './support.ts';
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
        return bodyMac(header(req, 'typeform-signature'), 'Typeform-Signature', source.secrets, req.rawBody, {
          algorithm: 'sha256',
          encoding: 'base64',
          prefix: 'sha256=',
        });
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
