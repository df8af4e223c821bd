import { verify as verifySig, type KeyObject } from 'node:crypto';
import { isValidSecret, sign, timestampProblem, verifySignature } from '../signing/standard-webhooks.ts';
import { ed25519Key, rawSecrets } from './keys.ts';
import { OK, decode, fail, secondsHeader, text } from './support.ts';
import { header, type InboundRequest, type ProviderDefinition } from './types.ts';

const PUBLIC_PREFIX = 'whpk_';

/**
 * Standard Webhooks senders (Svix, Clerk, Resend, … and Sluice itself):
 * `webhook-id/-timestamp/-signature`, or the same under `svix-*` names.
 * `v1,` entries are HMAC-SHA256 with a `whsec_` secret; `v1a,` entries are
 * Ed25519 signatures checked with a `whpk_` public key. The names differ
 * only so a config says what it receives.
 */
function standardWebhooksFamily(name: string): ProviderDefinition<Record<string, never>> {
  return {
    name,
    keys: [],
    needsSecret: true,
    parseOptions(section) {
      rawSecrets(section.value).forEach((secret) => {
        if (secret.startsWith(PUBLIC_PREFIX) ? !ed25519Key(Buffer.from(secret.slice(5), 'base64')) : !isValidSecret(secret)) {
          section.problem('secrets', 'each must be whsec_ + base64 of at least 16 bytes, or whpk_ + base64 of an Ed25519 public key');
        }
      });
      return {};
    },
    create(source) {
      const hmacSecrets = source.secrets.filter((s) => !s.startsWith(PUBLIC_PREFIX));
      const publicKeys = source.secrets
        .filter((s) => s.startsWith(PUBLIC_PREFIX))
        .map((s) => ed25519Key(Buffer.from(s.slice(PUBLIC_PREFIX.length), 'base64')))
        .filter((k): k is KeyObject => k !== undefined);
      return {
        verify(req, nowMs) {
          const h = swHeaders(req);
          // With both kinds of key, the kinds of signature sent decide whose reason is the answer.
          const sentV1a = (h.signature ?? '').split(' ').some((e) => e.startsWith('v1a,'));
          if (hmacSecrets.length > 0) {
            const verdict = verifySignature(hmacSecrets, h, req.rawBody, nowMs, source.toleranceMs);
            if (verdict.ok || publicKeys.length === 0 || !sentV1a) return verdict;
          }
          if (!h.id || !h.timestamp || !h.signature) return fail('missing webhook-id, webhook-timestamp or webhook-signature header');
          const late = timestampProblem(h.timestamp, nowMs, source.toleranceMs);
          if (late) return fail(late);
          const signed = Buffer.concat([Buffer.from(`${h.id}.${h.timestamp}.`), req.rawBody]);
          const given = h.signature
            .split(' ')
            .filter((e) => e.startsWith('v1a,'))
            .map((e) => decode(e.slice(4), 'base64'));
          if (given.length === 0) return fail('webhook-signature has no v1a signature');
          const match = publicKeys.some((key) => given.some((sig) => sig.length === 64 && verifySig(null, signed, key, sig)));
          return match ? OK : fail('no signature matches');
        },
        // Only HMAC secrets can sign here: a whpk_ key is public, its private half is the sender's.
        resign(payload, nowMs, messageId): Record<string, string> {
          const ts = Math.floor(nowMs / 1000);
          return hmacSecrets.length === 0 ? {} : { 'webhook-signature': hmacSecrets.map((s) => sign(s, messageId, ts, payload)).join(' ') };
        },
        extract(req, body) {
          const h = swHeaders(req);
          return {
            eventId: h.id,
            eventType: text(body, 'type'),
            occurredAt: Number.isFinite(secondsHeader(h.timestamp)) ? secondsHeader(h.timestamp) : undefined,
            orderingKey: text(body, 'data', 'id'),
          };
        },
      };
    },
  };
}

function swHeaders(req: InboundRequest): { id: string | undefined; timestamp: string | undefined; signature: string | undefined } {
  const prefix = header(req, 'webhook-id') === undefined && header(req, 'svix-id') !== undefined ? 'svix' : 'webhook';
  return {
    id: header(req, `${prefix}-id`),
    timestamp: header(req, `${prefix}-timestamp`),
    signature: header(req, `${prefix}-signature`),
  };
}

export const standardWebhooks = standardWebhooksFamily('standard-webhooks');
export const svix = standardWebhooksFamily('svix');
export const clerk = standardWebhooksFamily('clerk');
export const resend = standardWebhooksFamily('resend');
