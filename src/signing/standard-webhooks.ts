import { createHmac, randomBytes } from 'node:crypto';
import { strictBase64 } from './base64.ts';
import { safeEqual } from './compare.ts';

/**
 * Standard Webhooks (https://www.standardwebhooks.com): HMAC-SHA256 over
 * `${id}.${timestamp}.${body}`, keyed with the base64 bytes of a `whsec_` secret,
 * sent as a space-separated list of `v1,<base64>` signatures.
 */

export const SECRET_PREFIX = 'whsec_';

/** The key bytes of a secret: base64 after an optional `whsec_` prefix. */
export function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

/** True when `secret` decodes to a usable key (non-empty, valid base64). */
export function isValidSecret(secret: string): boolean {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) && secretKey(secret).length >= 16;
}

/** A fresh secret: `whsec_` and the base64 of 24 random bytes (the form Svix issues). */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

/** The `v1,<base64>` signature of one message with one secret. */
export function sign(secret: string | Buffer, id: string, timestampSec: number, body: Buffer): string {
  const key = typeof secret === 'string' ? secretKey(secret) : secret;
  const mac = createHmac('sha256', key).update(`${id}.${timestampSec}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

/** The three headers of a signed delivery; several secrets give several signatures. */
export function signatureHeaders(
  secrets: readonly string[],
  id: string,
  timestampSec: number,
  body: Buffer,
): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': secrets.map((s) => sign(s, id, timestampSec, body)).join(' '),
  };
}

export type VerifyOutcome = { ok: true } | { ok: false; reason: string };

/**
 * The timestamp check as the reference library makes it, in whole seconds on
 * both sides: our clock is floored to the second, and a timestamp exactly
 * `tolerance` old or ahead passes, one second more does not.
 */
export function timestampProblem(timestamp: string, nowMs: number, toleranceMs: number): string | undefined {
  if (!/^\d{1,12}$/.test(timestamp)) return 'webhook-timestamp is not a unix time in seconds';
  const skewSec = Math.floor(nowMs / 1000) - Number(timestamp);
  if (skewSec * 1000 > toleranceMs) return 'webhook-timestamp is too old';
  if (-skewSec * 1000 > toleranceMs) return 'webhook-timestamp is in the future';
  return undefined;
}

/**
 * Checks a received `webhook-signature` list against every secret. Entries of
 * unknown versions are skipped (the spec allows new schemes beside v1).
 */
export function verifySignature(
  secrets: readonly string[],
  header: { id: string | undefined; timestamp: string | undefined; signature: string | undefined },
  body: Buffer,
  nowMs: number,
  toleranceMs: number,
): VerifyOutcome {
  const { id, timestamp, signature } = header;
  if (!id || !timestamp || !signature) return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature header' };
  const late = timestampProblem(timestamp, nowMs, toleranceMs);
  if (late) return { ok: false, reason: late };
  const candidates: Buffer[] = [];
  for (const entry of signature.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma > 0 && entry.slice(0, comma) === 'v1') candidates.push(strictBase64(entry.slice(comma + 1)));
  }
  if (candidates.length === 0) return { ok: false, reason: 'webhook-signature has no v1 signature' };
  for (const secret of secrets) {
    const expected = Buffer.from(sign(secret, id, Number(timestamp), body).slice(3), 'base64');
    if (candidates.some((c) => safeEqual(c, expected))) return { ok: true };
  }
  return { ok: false, reason: 'no signature matches' };
}
