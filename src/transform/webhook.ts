import { defaults } from '../config/defaults.ts';
import { headerProblem } from '../delivery/endpoint-headers.ts';
import { depthRefusal } from '../ingest/json-depth.ts';

/**
 * The object a transformation sees and returns, and the rules for what it may
 * change. Pure: no engine, no store.
 */

/** What a transformation function receives: `(webhook) => webhook`. */
export interface TransformInput {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The parsed JSON body, or the body as text when it is not JSON. */
  payload: unknown;
  eventType: string | null;
}

/** What came out, checked: send these (the body as bytes), or do not send at all. */
export type TransformVerdict =
  | { kind: 'send'; url: string; headers: Record<string, string>; body: Buffer; eventType: string | null; payloadChanged: boolean }
  | { kind: 'cancel'; reason: string }
  | { kind: 'invalid'; error: string };

/** Headers Sluice sets itself; a transformation may not set them either (the signature is ours to make). */
const RESERVED = /^(host|content-length|transfer-encoding|connection|user-agent|(webhook|svix)-(id|timestamp|signature))$/i;
const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** The payload as the function sees it: JSON when it parses (and nests no deeper than any limit the gateway accepts), else the text. */
export function payloadValue(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (depthRefusal(body, defaults.maxNestingDepthCeiling)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function transformInput(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  eventType: string | null,
): TransformInput {
  return { method, url, headers: { ...headers }, payload: payloadValue(body), eventType };
}

/**
 * Reads a transformation's result against its input. `cancel: true` (or a
 * string, taken as the reason; `cancelReason` too) stops the delivery. The URL
 * may change only within `allowedOrigin` (scheme, host and port of the
 * endpoint's own URL); `null` means the URL is not the function's to change
 * (a source). An unchanged payload keeps its original bytes, so a function
 * that only touches headers does not reformat the body.
 */
export function readResult(input: TransformInput, original: Buffer, result: unknown, allowedOrigin: string | null): TransformVerdict {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    return { kind: 'invalid', error: 'the transformation must return the webhook object' };
  }
  const out = result as Record<string, unknown>;
  if (out.cancel !== undefined && out.cancel !== false && out.cancel !== null) {
    const reason =
      typeof out.cancel === 'string'
        ? out.cancel
        : typeof out.cancelReason === 'string'
          ? out.cancelReason
          : 'cancelled by the transformation';
    return { kind: 'cancel', reason: reason.slice(0, 500) };
  }
  if (out.method !== undefined && out.method !== input.method)
    return { kind: 'invalid', error: `webhook.method cannot be changed (it is ${input.method})` };

  let url = input.url;
  if (out.url !== undefined && out.url !== input.url) {
    if (allowedOrigin === null) return { kind: 'invalid', error: 'webhook.url cannot be changed here' };
    if (typeof out.url !== 'string') return { kind: 'invalid', error: 'webhook.url must be a string' };
    let parsed: URL;
    try {
      parsed = new URL(out.url);
    } catch {
      return { kind: 'invalid', error: `webhook.url "${out.url.slice(0, 200)}" is not a URL` };
    }
    if (parsed.origin !== allowedOrigin)
      return { kind: 'invalid', error: `webhook.url must stay on ${allowedOrigin} (got ${parsed.origin})` };
    url = parsed.href;
  }

  const headers: Record<string, string> = {};
  const given = out.headers === undefined ? input.headers : out.headers;
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    return { kind: 'invalid', error: 'webhook.headers must be an object of strings' };
  for (const [name, value] of Object.entries(given as Record<string, unknown>)) {
    if (value === null || value === undefined) continue;
    if (!TOKEN.test(name)) return { kind: 'invalid', error: `webhook.headers: "${name.slice(0, 100)}" is not a valid header name` };
    if (RESERVED.test(name))
      return { kind: 'invalid', error: `webhook.headers: ${name} is set by Sluice and cannot be set by a transformation` };
    const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
    if (text === undefined || /[\r\n\0]/.test(text))
      return { kind: 'invalid', error: `webhook.headers.${name} must be a string without line breaks` };
    // What the function added or changed takes the endpoints' one header rule (it may still set content-type,
    // the payload being its own): headers it passed through as they came stay as the sender sent them.
    const unchanged = input.headers[name] === text || input.headers[name.toLowerCase()] === text;
    const problem = unchanged || name.toLowerCase() === 'content-type' ? null : headerProblem(name, text);
    if (problem) return { kind: 'invalid', error: `webhook.headers.${name} ${problem}` };
    headers[name.toLowerCase()] = text;
  }

  let eventType = input.eventType;
  if (out.eventType !== undefined && out.eventType !== input.eventType) {
    if (out.eventType !== null && (typeof out.eventType !== 'string' || out.eventType.length > 256)) {
      return { kind: 'invalid', error: 'webhook.eventType must be a string of at most 256 characters' };
    }
    eventType = out.eventType;
  }

  const payload = out.payload;
  if (payload === undefined) return { kind: 'invalid', error: 'webhook.payload is missing' };
  const payloadChanged = JSON.stringify(payload) !== JSON.stringify(input.payload);
  const body = !payloadChanged ? original : typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(JSON.stringify(payload));
  return { kind: 'send', url, headers, body, eventType, payloadChanged };
}
