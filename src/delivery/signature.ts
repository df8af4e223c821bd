import { createPrivateKey, createPublicKey, sign as edSign } from 'node:crypto';
import { sign } from '../signing/standard-webhooks.ts';
import type { SignatureStyle } from '../store/records.ts';

/** Prefix of an ed25519 signing key: base64 of the 32-byte seed (or of seed + public key, 64 bytes). */
export const SIGNING_KEY_PREFIX = 'whsk_';
/** Prefix of the matching public key a receiver verifies with. */
export const PUBLIC_KEY_PREFIX = 'whpk_';

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

function edPrivateKey(secret: string): ReturnType<typeof createPrivateKey> {
  const raw = Buffer.from(secret.slice(SIGNING_KEY_PREFIX.length), 'base64');
  if (raw.length !== 32 && raw.length !== 64) throw new Error('a whsk_ key is the base64 of a 32-byte ed25519 seed');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, raw.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
}

export function isSigningKey(secret: string): boolean {
  if (!secret.startsWith(SIGNING_KEY_PREFIX)) return false;
  try {
    edPrivateKey(secret);
    return true;
  } catch {
    return false;
  }
}

/** The `whpk_` public key of a `whsk_` signing key, for receivers. */
export function publicKeyOf(secret: string): string {
  const der = createPublicKey(edPrivateKey(secret)).export({ format: 'der', type: 'spki' });
  return PUBLIC_KEY_PREFIX + der.subarray(der.length - 32).toString('base64');
}

/** One signature: `v1,` HMAC-SHA256 for `whsec_` secrets, `v1a,` ed25519 for `whsk_` keys. */
function signOne(secret: string, id: string, timestampSec: number, body: Buffer): string {
  if (!secret.startsWith(SIGNING_KEY_PREFIX)) return sign(secret, id, timestampSec, body);
  const content = Buffer.concat([Buffer.from(`${id}.${timestampSec}.`), body]);
  return `v1a,${edSign(null, content, edPrivateKey(secret)).toString('base64')}`;
}

/**
 * The signature headers of a delivery: Standard Webhooks' `webhook-*` names, or
 * Svix's `svix-*` for receivers written against Svix's libraries. Several
 * secrets (a rotation's grace period) give space-separated signatures.
 */
export function deliverySignature(
  style: SignatureStyle,
  secrets: readonly string[],
  id: string,
  timestampSec: number,
  body: Buffer,
): Record<string, string> {
  const prefix = style === 'svix' ? 'svix' : 'webhook';
  return {
    [`${prefix}-id`]: id,
    [`${prefix}-timestamp`]: String(timestampSec),
    [`${prefix}-signature`]: secrets.map((s) => signOne(s, id, timestampSec, body)).join(' '),
  };
}
