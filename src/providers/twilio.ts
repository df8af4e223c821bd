import { createHash } from 'node:crypto';
import { safeEqual } from '../signing/compare.ts';
import { OK, anyMatch, decode, fail, mac, text, time } from './support.ts';
import { header, type InboundRequest, type ProviderDefinition } from './types.ts';

/**
 * Twilio: `X-Twilio-Signature` = base64 HMAC-SHA1 with the auth token over
 * the URL Twilio called followed by every form parameter as `key+value`,
 * sorted by key. JSON bodies are not in the MAC: the URL carries
 * `bodySHA256` (hex SHA-256 of the body) instead, and that is checked.
 * Twilio may or may not have included the default port when it signed, so
 * both forms of the URL are tried.
 */
export const twilio: ProviderDefinition<Record<string, never>> = {
  name: 'twilio',
  keys: [],
  needsSecret: true,
  signsUrl: true,
  parseOptions: () => ({}),
  create(source) {
    return {
      verify(req) {
        const signature = header(req, 'x-twilio-signature');
        if (!signature) return fail('missing X-Twilio-Signature header');
        let url: URL;
        try {
          url = new URL(req.url);
        } catch {
          return fail('the request URL cannot be parsed');
        }
        const bodyHash = url.searchParams.get('bodySHA256');
        let params = '';
        if (bodyHash !== null) {
          const actual = createHash('sha256').update(req.rawBody).digest('hex');
          if (!safeEqual(bodyHash.toLowerCase(), actual)) return fail('bodySHA256 does not match the body');
        } else {
          params = signedParams(req);
        }
        const given = [decode(signature, 'base64')];
        for (const candidate of urlForms(req.url, url)) {
          if (anyMatch(source.secrets, given, (s) => mac('sha1', s, candidate, params))) return OK;
        }
        return fail('no signature matches (check publicUrl: Twilio signs the URL it called)');
      },
      extract(req, body) {
        const kind = ['Message', 'Sms', 'Call', 'Recording', 'Transcription', 'Conference'].find((k) => text(body, `${k}Sid`));
        const sid = kind ? text(body, `${kind}Sid`) : text(body, 'Sid');
        const status =
          text(body, 'MessageStatus') ??
          text(body, 'SmsStatus') ??
          text(body, 'CallStatus') ??
          text(body, 'RecordingStatus') ??
          text(body, 'TranscriptionStatus') ??
          text(body, 'StatusCallbackEvent');
        const noun = kind === 'Sms' ? 'message' : kind?.toLowerCase();
        return {
          // One resource sends several callbacks (queued, sent, delivered): its sid
          // alone would drop all but the first, so the status is part of the key.
          eventId: header(req, 'i-twilio-idempotency-token') ?? (sid && status ? `${sid}:${status}` : sid),
          eventType: noun && status ? `${noun}.${status}` : noun,
          occurredAt: time(body, 'Timestamp'),
          orderingKey: sid,
        };
      },
    };
  },
};

/** Form parameters in Twilio's signing order; repeated keys contribute each distinct value, sorted. */
function signedParams(req: InboundRequest): string {
  const type = header(req, 'content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) return '';
  const grouped = new Map<string, Set<string>>();
  for (const [key, value] of new URLSearchParams(req.rawBody.toString('utf8'))) {
    let values = grouped.get(key);
    if (!values) {
      values = new Set();
      grouped.set(key, values);
    }
    values.add(value);
  }
  let out = '';
  for (const key of [...grouped.keys()].sort()) {
    for (const value of [...(grouped.get(key) as Set<string>)].sort()) out += key + value;
  }
  return out;
}

/** The URL as received, then without and with its scheme's default port. */
function urlForms(raw: string, url: URL): string[] {
  const slash = raw.indexOf('/', url.protocol.length + 2);
  const rest = slash < 0 ? '' : raw.slice(slash);
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  const bare = `${url.protocol}//${url.username ? `${url.username}:${url.password}@` : ''}${url.hostname}`;
  return [...new Set([raw, `${bare}${rest}`, `${bare}:${url.port || defaultPort}${rest}`])];
}
