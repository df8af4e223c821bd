import { depthRefusal } from '../ingest/json-depth.ts';
import { defaults } from '../config/defaults.ts';
import { createHmac } from 'node:crypto';
import { parseTime } from '../ingest/parse-body.ts';
import { safeEqual } from '../signing/compare.ts';
import { strictBase64 } from '../signing/base64.ts';
import type { HandshakeReply, Verdict } from './types.ts';

/** Small pieces every provider file uses: MACs over several parts, secret rotation, clocks, body fields. */

export const OK: Verdict = { ok: true };
export const fail = (reason: string): Verdict => ({ ok: false, reason });

export function mac(algorithm: 'sha1' | 'sha256', key: string | Buffer, ...parts: Array<string | Buffer>): Buffer {
  const h = createHmac(algorithm, key);
  for (const part of parts) h.update(part);
  return h.digest();
}

/**
 * True when one of `given` equals the MAC made with one of the secrets
 * (rotation: every configured secret is tried, every signature the sender
 * listed is accepted). Comparisons are constant-time.
 */
export function anyMatch(secrets: readonly string[], given: readonly Buffer[], expected: (secret: string) => Buffer): boolean {
  if (given.length === 0) return false;
  for (const secret of secrets) {
    const want = expected(secret);
    if (given.some((g) => safeEqual(g, want))) return true;
  }
  return false;
}

/**
 * The common scheme: a header holding `prefix + encode(HMAC(secret, raw body))`;
 * any configured secret may match (rotation). `name` is the header as the
 * provider documents it, for the reasons.
 */
export function bodyMac(
  value: string | undefined,
  name: string,
  secrets: readonly string[],
  rawBody: Buffer,
  how: { algorithm: 'sha1' | 'sha256'; encoding: 'hex' | 'base64'; prefix?: string },
): Verdict {
  if (!value) return fail(`missing ${name} header`);
  const prefix = how.prefix ?? '';
  if (!value.startsWith(prefix)) return fail(`${name} does not start with ${prefix}`);
  return anyMatch(secrets, [decode(value.slice(prefix.length), how.encoding)], (s) => mac(how.algorithm, s, rawBody))
    ? OK
    : fail('no signature matches');
}

/**
 * A signature header made of `key=value` pairs (`t=…,v1=…,v1=…` for Stripe,
 * `ts=…;h1=…` for Paddle): every value of each key, trimmed, in order. A key
 * may repeat (one signature per active secret during a rotation).
 */
export function signatureFields(value: string, separator: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const part of value.split(separator)) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    fields.set(key, [...(fields.get(key) ?? []), part.slice(eq + 1).trim()]);
  }
  return fields;
}

/** Checks a signed timestamp (ms) against our clock, both ways. */
export function checkAge(timestampMs: number, nowMs: number, toleranceMs: number, what: string): Verdict {
  if (!Number.isFinite(timestampMs)) return fail(`${what} is missing or malformed`);
  if (nowMs - timestampMs > toleranceMs) return fail(`${what} is too old`);
  if (timestampMs - nowMs > toleranceMs) return fail(`${what} is in the future`);
  return OK;
}

/** A unix time in whole seconds as sent in a header, → ms; NaN when it is not one. */
export function secondsHeader(value: string | undefined): number {
  return value !== undefined && /^\d{1,12}$/.test(value.trim()) ? Number(value) * 1000 : Number.NaN;
}

/** Decodes base64 (canonical only, see `strictBase64`) or hex text into bytes; an empty buffer when malformed (never matches). */
export function decode(text: string, encoding: 'hex' | 'base64'): Buffer {
  if (encoding === 'base64') return strictBase64(text);
  const trimmed = text.trim();
  return /^(?:[0-9a-fA-F]{2})+$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.alloc(0);
}

/** Reads `body.a.b.c`; `undefined` as soon as a step is missing. */
export function at(body: unknown, ...path: Array<string | number>): unknown {
  let node = body;
  for (const step of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[step];
  }
  return node;
}

/** A string or number field as text (ids are sometimes numbers). */
export function text(body: unknown, ...path: Array<string | number>): string | undefined {
  const value = at(body, ...path);
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A time field (unix seconds, ms, or ISO 8601) as ms. */
export function time(body: unknown, ...path: Array<string | number>): number | undefined {
  return parseTime(text(body, ...path));
}

/** Joins the defined parts with `sep`, or `undefined` when the first is missing. */
export function joined(sep: string, ...parts: Array<string | undefined>): string | undefined {
  if (parts[0] === undefined) return undefined;
  return parts.filter((p) => p !== undefined).join(sep);
}

export function jsonReply(status: number, body: unknown): HandshakeReply {
  return { status, contentType: 'application/json', body: JSON.stringify(body) };
}

export function textReply(status: number, body: string): HandshakeReply {
  return { status, contentType: 'text/plain; charset=utf-8', body };
}

/** JSON.parse of the raw body, or `undefined` (for providers that read signed fields from the body). */
export function parseJson(raw: Buffer): unknown {
  // Some providers read this before the signature is checked (Mailgun signs inside the body): bound its cost.
  if (depthRefusal(raw, defaults.maxNestingDepthCeiling)) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}
