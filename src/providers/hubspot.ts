import { batchEvents } from './json-array.ts';
import { OK, anyMatch, checkAge, decode, fail, mac, text, time } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

/** The escapes HubSpot decodes in the URI before signing (its v3 docs list exactly these). */
const DECODED: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/**
 * HubSpot (signature v3): `X-HubSpot-Signature-v3` = base64 HMAC-SHA256 with
 * the app's client secret over method + full URI + raw body + the
 * `X-HubSpot-Request-Timestamp` (ms). Bodies are arrays of events; each
 * becomes its own message.
 */
export const hubspot: ProviderDefinition<Record<string, never>> = {
  name: 'hubspot',
  keys: [],
  needsSecret: true,
  signsUrl: true,
  parseOptions: () => ({}),
  create(source) {
    return {
      verify(req, nowMs) {
        const signature = header(req, 'x-hubspot-signature-v3');
        const ts = header(req, 'x-hubspot-request-timestamp');
        if (!signature || !ts) return fail('missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp header');
        const age = checkAge(/^\d{1,15}$/.test(ts) ? Number(ts) : Number.NaN, nowMs, source.toleranceMs, 'X-HubSpot-Request-Timestamp');
        if (!age.ok) return age;
        const decoded = req.url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()] ?? m);
        const given = [decode(signature, 'base64')];
        for (const uri of new Set([decoded, req.url])) {
          if (anyMatch(source.secrets, given, (s) => mac('sha256', s, req.method, uri, req.rawBody, ts))) return OK;
        }
        return fail('no signature matches (check publicUrl: HubSpot signs the URL it called)');
      },
      extract(req, body) {
        return batchEvents(req.rawBody, body, (item) => ({
          eventId: text(item, 'eventId'),
          eventType: text(item, 'subscriptionType'),
          occurredAt: time(item, 'occurredAt'),
          orderingKey: text(item, 'objectId'),
        }));
      },
    };
  },
};
