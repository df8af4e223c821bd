import { verify as verifySig, type KeyObject } from 'node:crypto';
import { batchEvents } from './json-array.ts';
import { rawSecrets, spkiKey } from './keys.ts';
import { OK, checkAge, decode, fail, secondsHeader, text, time } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

const SIGNATURE = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';

/**
 * SendGrid Event Webhook (signed): ECDSA P-256 / SHA-256 over timestamp +
 * raw body, the signature base64 DER, checked with the verification key
 * SendGrid shows (base64 SPKI), given as the source's secret(s). The body
 * is an array of events; each becomes its own message.
 */
export const sendgrid: ProviderDefinition<Record<string, never>> = {
  name: 'sendgrid',
  keys: [],
  needsSecret: true,
  parseOptions(section) {
    for (const key of rawSecrets(section.value)) {
      if (spkiKey(key)?.asymmetricKeyType !== 'ec')
        section.problem('secrets', 'each must be the base64 ECDSA verification key SendGrid shows');
    }
    return {};
  },
  create(source) {
    const keys = source.secrets.map(spkiKey).filter((k): k is KeyObject => k !== undefined);
    return {
      verify(req, nowMs) {
        const signature = header(req, SIGNATURE);
        const ts = header(req, TIMESTAMP);
        if (!signature || !ts) return fail('missing X-Twilio-Email-Event-Webhook-Signature or -Timestamp header');
        const age = checkAge(secondsHeader(ts), nowMs, source.toleranceMs, 'X-Twilio-Email-Event-Webhook-Timestamp');
        if (!age.ok) return age;
        const sig = decode(signature, 'base64');
        const signed = Buffer.concat([Buffer.from(ts), req.rawBody]);
        return keys.some((key) => safeVerify(signed, key, sig)) ? OK : fail('no signature matches');
      },
      extract(req, body) {
        return batchEvents(req.rawBody, body, (item) => ({
          eventId: text(item, 'sg_event_id'),
          eventType: text(item, 'event'),
          occurredAt: time(item, 'timestamp'),
          orderingKey: text(item, 'sg_message_id'),
        }));
      },
    };
  },
};

/** A malformed DER signature makes Node throw; that is simply "no match". */
function safeVerify(data: Buffer, key: KeyObject, sig: Buffer): boolean {
  try {
    return sig.length > 0 && verifySig('sha256', data, key, sig);
  } catch {
    return false;
  }
}
