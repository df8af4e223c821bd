import { createPublicKey, type KeyObject } from 'node:crypto';

/** Public keys as providers publish them; `undefined` when the text is not one. */

/** A raw 32-byte Ed25519 public key (Discord shows it hex, Standard Webhooks base64). */
export function ed25519Key(raw: Buffer): KeyObject | undefined {
  if (raw.length !== 32) return undefined;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/** A base64 DER SubjectPublicKeyInfo (SendGrid's "verification key"), or a PEM. */
export function spkiKey(text: string): KeyObject | undefined {
  try {
    if (text.includes('-----BEGIN')) return createPublicKey(text);
    return createPublicKey({ key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** Reads the source's raw `secret`/`secrets` values (for providers whose secrets are keys to check at load). */
export function rawSecrets(value: Record<string, unknown>): string[] {
  const list = value.secrets ?? (value.secret === undefined ? [] : [value.secret]);
  return Array.isArray(list) ? list.filter((s): s is string => typeof s === 'string') : [];
}
