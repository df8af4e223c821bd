import { OK, anyMatch, decode, fail, jsonReply, mac, text, time } from './support.ts';
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
        const signature = header(req, 'x-hub-signature');
        if (!signature) return fail('missing X-Hub-Signature header');
        if (!signature.startsWith('sha1=')) return fail('X-Hub-Signature does not start with sha1=');
        return anyMatch(source.secrets, [decode(signature.slice(5), 'hex')], (s) => mac('sha1', s, req.rawBody)) ? OK : fail('no signature matches');
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
