import { defaults } from '../config/defaults.ts';
import { parseTime } from '../ingest/parse-body.ts';
import { OK, anyMatch, checkAge, decode, fail, mac, text, textReply } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

/**
 * Twitch EventSub: `Twitch-Eventsub-Message-Signature: sha256=<hex>` =
 * HMAC-SHA256 of message id + timestamp + raw body. Subscribing sends a
 * signed `webhook_callback_verification` that must be answered with the
 * bare challenge as text/plain; Twitch's guide holds timestamps to 10 minutes.
 */
export const twitch: ProviderDefinition<Record<string, never>> = {
  name: 'twitch',
  keys: [],
  needsSecret: true,
  defaultToleranceMs: defaults.twitchToleranceMs,
  parseOptions: () => ({}),
  create(source) {
    return {
      verify(req, nowMs) {
        const signature = header(req, 'twitch-eventsub-message-signature');
        const id = header(req, 'twitch-eventsub-message-id');
        const ts = header(req, 'twitch-eventsub-message-timestamp');
        if (!signature || !id || !ts) return fail('missing Twitch-Eventsub-Message-Signature, -Id or -Timestamp header');
        if (!signature.startsWith('sha256=')) return fail('Twitch-Eventsub-Message-Signature does not start with sha256=');
        const age = checkAge(parseTime(ts) ?? Number.NaN, nowMs, source.toleranceMs, 'Twitch-Eventsub-Message-Timestamp');
        if (!age.ok) return age;
        return anyMatch(source.secrets, [decode(signature.slice(7), 'hex')], (s) => mac('sha256', s, id, ts, req.rawBody))
          ? OK
          : fail('no signature matches');
      },
      handshake(req, body) {
        if (header(req, 'twitch-eventsub-message-type') !== 'webhook_callback_verification') return undefined;
        return textReply(200, text(body, 'challenge') ?? '');
      },
      extract(req, body) {
        const kind = header(req, 'twitch-eventsub-message-type');
        const type = header(req, 'twitch-eventsub-subscription-type') ?? text(body, 'subscription', 'type');
        return {
          eventId: header(req, 'twitch-eventsub-message-id'),
          eventType: kind === 'revocation' ? `revocation.${type ?? ''}` : type,
          occurredAt: parseTime(header(req, 'twitch-eventsub-message-timestamp')),
          orderingKey: text(body, 'event', 'broadcaster_user_id') ?? text(body, 'subscription', 'id'),
        };
      },
    };
  },
};
