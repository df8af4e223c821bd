import { OK, anyMatch, at, checkAge, decode, fail, jsonReply, mac, parseJson, secondsHeader, text, time } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

/**
 * Slack: `X-Slack-Signature: v0=<hex>` = HMAC-SHA256 of
 * `v0:${X-Slack-Request-Timestamp}:${raw}` with the signing secret. Events
 * arrive as JSON; slash commands and interactivity as form bodies (the
 * latter with the JSON in a `payload` field).
 */
export const slack: ProviderDefinition<Record<string, never>> = {
  name: 'slack',
  keys: [],
  needsSecret: true,
  parseOptions: () => ({}),
  create(source) {
    return {
      unsignedHandshake(_req, body) {
        // Slack's certificate check is an unsigned form post; answering it stores nothing.
        return text(body, 'ssl_check') === '1' ? jsonReply(200, { ok: true }) : undefined;
      },
      verify(req, nowMs) {
        const signature = header(req, 'x-slack-signature');
        const ts = header(req, 'x-slack-request-timestamp');
        if (!signature || !ts) return fail('missing X-Slack-Signature or X-Slack-Request-Timestamp header');
        if (!signature.startsWith('v0=')) return fail('X-Slack-Signature does not start with v0=');
        const age = checkAge(secondsHeader(ts), nowMs, source.toleranceMs, 'X-Slack-Request-Timestamp');
        if (!age.ok) return age;
        const given = [decode(signature.slice(3), 'hex')];
        return anyMatch(source.secrets, given, (s) => mac('sha256', s, `v0:${ts}:`, req.rawBody)) ? OK : fail('no signature matches');
      },
      // Slack sends one signature: made with the first (current) secret.
      resign(payload, nowMs) {
        const ts = String(Math.floor(nowMs / 1000));
        const signature = mac('sha256', source.secrets[0] ?? '', `v0:${ts}:`, payload).toString('hex');
        return { 'x-slack-signature': `v0=${signature}`, 'x-slack-request-timestamp': ts };
      },
      handshake(_req, body) {
        if (text(body, 'type') !== 'url_verification') return undefined;
        return jsonReply(200, { challenge: text(body, 'challenge') ?? '' });
      },
      extract(_req, body) {
        if (text(body, 'type') === 'event_callback') {
          return {
            eventId: text(body, 'event_id'),
            eventType: text(body, 'event', 'type'),
            occurredAt: time(body, 'event_time'),
            orderingKey: text(body, 'event', 'channel') ?? text(body, 'event', 'item', 'channel'),
          };
        }
        if (text(body, 'command')) {
          // Slash commands carry no event id; the trigger id is unique per invocation.
          return { eventId: text(body, 'trigger_id'), eventType: 'slash_command', orderingKey: text(body, 'channel_id') };
        }
        const payload = typeof at(body, 'payload') === 'string' ? parseJson(Buffer.from(text(body, 'payload') ?? '')) : body;
        return {
          eventId: text(payload, 'trigger_id') ?? text(payload, 'event_id'),
          eventType: text(payload, 'type'),
          orderingKey: text(payload, 'channel', 'id'),
        };
      },
    };
  },
};
