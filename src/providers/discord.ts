import { verify as verifySig, type KeyObject } from 'node:crypto';
import { ed25519Key, rawSecrets } from './keys.ts';
import { OK, at, checkAge, decode, fail, jsonReply, secondsHeader, text, time } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

const INTERACTION_TYPES: Record<number, string> = {
  2: 'application_command',
  3: 'message_component',
  4: 'application_command_autocomplete',
  5: 'modal_submit',
};
/** Discord snowflakes count milliseconds from the first second of 2015. */
const DISCORD_EPOCH = 1_420_070_400_000n;

/**
 * Discord (interactions endpoint and webhook events): `X-Signature-Ed25519`
 * (hex) over `X-Signature-Timestamp` + raw body, checked with the
 * application's public key (hex), given as the source's secret(s). Discord
 * probes the endpoint with deliberately bad signatures and requires a 401,
 * so the PING is only answered after verification.
 */
export const discord: ProviderDefinition<Record<string, never>> = {
  name: 'discord',
  keys: [],
  needsSecret: true,
  parseOptions(section) {
    for (const key of rawSecrets(section.value)) {
      if (!ed25519Key(decode(key, 'hex'))) section.problem('secrets', 'each must be the application public key: 64 hex characters');
    }
    return {};
  },
  create(source) {
    const keys = source.secrets.map((k) => ed25519Key(decode(k, 'hex'))).filter((k): k is KeyObject => k !== undefined);
    return {
      verify(req, nowMs) {
        const signature = header(req, 'x-signature-ed25519');
        const ts = header(req, 'x-signature-timestamp');
        if (!signature || !ts) return fail('missing X-Signature-Ed25519 or X-Signature-Timestamp header');
        const age = checkAge(secondsHeader(ts), nowMs, source.toleranceMs, 'X-Signature-Timestamp');
        if (!age.ok) return age;
        const sig = decode(signature, 'hex');
        if (sig.length !== 64) return fail('X-Signature-Ed25519 is not a 64-byte hex signature');
        const signed = Buffer.concat([Buffer.from(ts), req.rawBody]);
        return keys.some((key) => verifySig(null, signed, key, sig)) ? OK : fail('no signature matches');
      },
      handshake(_req, body) {
        const isWebhookEvent = at(body, 'version') !== undefined;
        // Webhook events PING with type 0 and expect an empty 204; interactions PING with type 1 and expect a PONG.
        if (isWebhookEvent && at(body, 'type') === 0) return { status: 204, contentType: 'text/plain', body: '' };
        if (!isWebhookEvent && at(body, 'type') === 1) return jsonReply(200, { type: 1 });
        return undefined;
      },
      extract(_req, body) {
        if (at(body, 'version') !== undefined) {
          const type = text(body, 'event', 'type');
          const stamp = text(body, 'event', 'timestamp');
          const subject =
            text(body, 'event', 'data', 'user', 'id') ??
            text(body, 'event', 'data', 'guild', 'id') ??
            text(body, 'event', 'data', 'entitlement', 'id');
          return {
            // Webhook events carry no id of their own; type + time + subject identifies a retry.
            eventId: type && stamp ? [type, stamp, subject].filter(Boolean).join(':') : undefined,
            eventType: type,
            occurredAt: time(body, 'event', 'timestamp'),
            orderingKey: subject,
          };
        }
        const id = text(body, 'id');
        const kind = at(body, 'type');
        return {
          eventId: id,
          eventType: typeof kind === 'number' ? `interaction.${INTERACTION_TYPES[kind] ?? kind}` : undefined,
          occurredAt: id && /^\d+$/.test(id) ? Number((BigInt(id) >> 22n) + DISCORD_EPOCH) : undefined,
          orderingKey: text(body, 'channel_id') ?? text(body, 'channel', 'id'),
        };
      },
    };
  },
};
