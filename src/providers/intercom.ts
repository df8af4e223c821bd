import { bodyMac, jsonReply, text, time } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

/**
 * Intercom: `X-Hub-Signature: sha1=<hex>` = HMAC-SHA1 of the raw body with
 * the app's client secret. Its "ping" topic only tests the URL.
 */
export const intercom: ProviderDefinition<Record<string, never>> = {
  name: 'intercom',
  keys: [],
  needsSecret: true,
  parseOptions: () => ({}),
  create(source) {
    return {
      verify(req) {
        return bodyMac(header(req, 'x-hub-signature'), 'X-Hub-Signature', source.secrets, req.rawBody, {
          algorithm: 'sha1',
          encoding: 'hex',
          prefix: 'sha1=',
        });
      },
      handshake(_req, body) {
        return text(body, 'topic') === 'ping' ? jsonReply(200, { ok: true }) : undefined;
      },
      extract(_req, body) {
        return {
          eventId: text(body, 'id'),
          eventType: text(body, 'topic'),
          occurredAt: time(body, 'created_at'),
          orderingKey: text(body, 'data', 'item', 'id'),
        };
      },
    };
  },
};
