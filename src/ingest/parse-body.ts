import { depthRefusal } from './json-depth.ts';

export type ParsedBody = { ok: true; value: unknown } | { ok: false; error: string };

const JSON_TYPE = /^(application|text)\/([\w.+-]*\+)?json\b/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\b/i;

/**
 * Reads the payload for extraction and routing; the stored bytes stay the raw
 * ones. JSON and form bodies are parsed; other types are opaque (`value`
 * undefined) and valid. A body that claims JSON but is not, or nests deeper
 * than `maxDepth`, is `ok: false`. A form body whose only field is `payload`
 * holding JSON (GitHub's default content type, Slack's interactivity) is that
 * JSON, so types, ordering keys, field paths, schemas and filters read it
 * exactly as a JSON body.
 */
export function parseBody(raw: Buffer, contentType: string | undefined, maxDepth = Number.MAX_SAFE_INTEGER): ParsedBody {
  const type = contentType?.trim() ?? '';
  if (JSON_TYPE.test(type) || (type === '' && looksLikeJson(raw))) {
    if (raw.length === 0) return { ok: false, error: 'empty body' };
    const deep = depthRefusal(raw, maxDepth);
    if (deep) return { ok: false, error: `body is not accepted: ${deep}` };
    try {
      return { ok: true, value: JSON.parse(raw.toString('utf8')) };
    } catch (err) {
      return { ok: false, error: `body is not valid JSON: ${(err as Error).message}` };
    }
  }
  if (FORM_TYPE.test(type)) {
    const fields = new URLSearchParams(raw.toString('utf8'));
    const names = [...new Set(fields.keys())];
    if (names.length === 1 && names[0] === 'payload') {
      const inner = fields.get('payload') ?? '';
      if (looksLikeJson(Buffer.from(inner))) {
        const deep = depthRefusal(Buffer.from(inner), maxDepth);
        if (deep) return { ok: false, error: `the payload field is not accepted: ${deep}` };
        try {
          return { ok: true, value: JSON.parse(inner) };
        } catch (err) {
          return { ok: false, error: `the payload field is not valid JSON: ${(err as Error).message}` };
        }
      }
    }
    return { ok: true, value: Object.fromEntries(fields) };
  }
  return { ok: true, value: undefined };
}

/**
 * What a provider may see of a body before its signature is checked: form
 * fields (Slack's unsigned `ssl_check`), never a JSON parse, so an unsigned
 * body costs no parsing before its 401.
 */
export function parseUnverified(raw: Buffer, contentType: string | undefined): unknown {
  return FORM_TYPE.test(contentType?.trim() ?? '') ? Object.fromEntries(new URLSearchParams(raw.toString('utf8'))) : undefined;
}

function looksLikeJson(raw: Buffer): boolean {
  for (const byte of raw) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
    return byte === 0x7b || byte === 0x5b; // { or [
  }
  return false;
}

/** `1700000000` (s), `1700000000000` (ms) or an ISO 8601 date → ms; `undefined` otherwise. */
export function parseTime(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) {
    const n = Number(value);
    return Math.round(n < 1e11 ? n * 1000 : n);
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * A `sequence:` value: a plain number (a version, a counter, epoch seconds) is
 * kept as it is, so `7` orders before `12`; a fractional one becomes thousandths
 * (epoch seconds with milliseconds); anything else is read as a date → ms.
 */
export function parseSequence(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^-?\d+$/.test(value)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (/^-?\d+\.\d+$/.test(value)) return Math.round(Number(value) * 1000);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
