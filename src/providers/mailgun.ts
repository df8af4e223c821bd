import { defaults } from '../config/defaults.ts';
import { anyMatch, at, checkAge, decode, fail, mac, parseJson, text, time } from './support.ts';
import { header, type InboundRequest, type ProviderDefinition } from './types.ts';

/**
 * Mailgun: the signature is in the body, `signature: {timestamp, token,
 * signature}` (JSON webhooks) or top-level form fields (legacy webhooks):
 * hex HMAC-SHA256 of timestamp + token with the HTTP webhook signing key.
 * Nothing signs the rest of the body, so a token seen twice within the
 * tolerance is a replay and is refused.
 */
export const mailgun: ProviderDefinition<Record<string, never>> = {
  name: 'mailgun',
  keys: [],
  needsSecret: true,
  parseOptions: () => ({}),
  create(source) {
    const seen = new Map<string, number>();
    return {
      verify(req, nowMs) {
        const sig = signatureOf(req);
        if (!sig) return fail('missing signature.timestamp, signature.token or signature.signature in the body');
        const age = checkAge(
          /^\d{1,12}$/.test(sig.timestamp) ? Number(sig.timestamp) * 1000 : Number.NaN,
          nowMs,
          source.toleranceMs,
          'signature.timestamp',
        );
        if (!age.ok) return age;
        if (!anyMatch(source.secrets, [decode(sig.signature, 'hex')], (s) => mac('sha256', s, sig.timestamp, sig.token)))
          return fail('no signature matches');
        for (const [token, until] of seen) {
          if (until > nowMs && seen.size < defaults.mailgunTokenMemory) break;
          seen.delete(token);
        }
        if (seen.has(sig.token)) return fail('signature.token was already used (replay)');
        seen.set(sig.token, nowMs + 2 * source.toleranceMs);
        return { ok: true };
      },
      extract(_req, body) {
        return {
          eventId: text(body, 'event-data', 'id') ?? text(body, 'Message-Id'),
          eventType: text(body, 'event-data', 'event') ?? text(body, 'event'),
          occurredAt: time(body, 'event-data', 'timestamp') ?? time(body, 'timestamp'),
          orderingKey: text(body, 'event-data', 'message', 'headers', 'message-id'),
        };
      },
    };
  },
};

function signatureOf(req: InboundRequest): { timestamp: string; token: string; signature: string } | undefined {
  const type = header(req, 'content-type') ?? '';
  const body = /^application\/x-www-form-urlencoded\b/i.test(type)
    ? Object.fromEntries(new URLSearchParams(req.rawBody.toString('utf8')))
    : parseJson(req.rawBody);
  const holder = at(body, 'signature') !== null && typeof at(body, 'signature') === 'object' ? at(body, 'signature') : body;
  const timestamp = text(holder, 'timestamp');
  const token = text(holder, 'token');
  const signature = text(holder, 'signature');
  return timestamp && token && signature ? { timestamp, token, signature } : undefined;
}
