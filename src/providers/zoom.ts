import { OK, anyMatch, checkAge, decode, fail, jsonReply, mac, secondsHeader, text, time } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

/**
 * Zoom: `x-zm-signature: v0=<hex>` = HMAC-SHA256 of
 * `v0:${x-zm-request-timestamp}:${raw}` with the app's secret token.
 * The URL validation is answered only after verification: answering it
 * unsigned would let anyone obtain HMAC(secret, chosen text), and that is
 * exactly a valid signature of a forged event.
 */
export const zoom: ProviderDefinition<Record<string, never>> = {
  name: 'zoom',
  keys: [],
  needsSecret: true,
  parseOptions: () => ({}),
  create(source) {
    return {
      verify(req, nowMs) {
        const signature = header(req, 'x-zm-signature');
        const ts = header(req, 'x-zm-request-timestamp');
        if (!signature || !ts) return fail('missing x-zm-signature or x-zm-request-timestamp header');
        if (!signature.startsWith('v0=')) return fail('x-zm-signature does not start with v0=');
        const age = checkAge(secondsHeader(ts), nowMs, source.toleranceMs, 'x-zm-request-timestamp');
        if (!age.ok) return age;
        return anyMatch(source.secrets, [decode(signature.slice(3), 'hex')], (s) => mac('sha256', s, `v0:${ts}:`, req.rawBody))
          ? OK
          : fail('no signature matches');
      },
      handshake(req, body) {
        if (text(body, 'event') !== 'endpoint.url_validation') return undefined;
        const plainToken = text(body, 'payload', 'plainToken') ?? '';
        // Answer with the secret that signed the request: during a rotation Zoom holds only one of ours.
        const given = [decode(header(req, 'x-zm-signature')?.slice(3) ?? '', 'hex')];
        const ts = header(req, 'x-zm-request-timestamp') ?? '';
        const secret = source.secrets.find((s) => anyMatch([s], given, (k) => mac('sha256', k, `v0:${ts}:`, req.rawBody))) ?? '';
        const encryptedToken = mac('sha256', secret, plainToken).toString('hex');
        return jsonReply(200, { plainToken, encryptedToken });
      },
      extract(_req, body) {
        const event = text(body, 'event');
        const stamp = text(body, 'event_ts');
        const subject = text(body, 'payload', 'object', 'uuid') ?? text(body, 'payload', 'object', 'id');
        return {
          // Zoom events have no id; event + its ms timestamp + subject is what a retry repeats.
          eventId: event && stamp ? [event, stamp, subject].filter(Boolean).join(':') : undefined,
          eventType: event,
          occurredAt: time(body, 'event_ts'),
          orderingKey: subject,
        };
      },
    };
  },
};
