import type { InboundEvent } from './types.ts';

/**
 * The byte ranges of the top-level items of a JSON array, so each item of a
 * batch (HubSpot, SendGrid) is stored with the exact bytes the provider sent
 * rather than a re-serialisation (which would lose big-number precision and
 * key order). `undefined` when `raw` is not a well-formed array; callers only
 * use it after JSON.parse accepted the same bytes.
 */
export function splitJsonArray(raw: Buffer): Buffer[] | undefined {
  let i = 0;
  const skipSpace = (): void => {
    while (i < raw.length && (raw[i] === 0x20 || raw[i] === 0x0a || raw[i] === 0x0d || raw[i] === 0x09)) i++;
  };
  if (raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf) i = 3; // UTF-8 BOM
  skipSpace();
  if (raw[i] !== 0x5b) return undefined; // [
  i++;
  const items: Buffer[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (; i < raw.length; i++) {
    const byte = raw[i];
    if (inString) {
      if (byte === 0x5c)
        i++; // backslash escapes the next byte
      else if (byte === 0x22) inString = false;
      continue;
    }
    if (start < 0 && byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09 && byte !== 0x5d) start = i;
    if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) depth++;
    else if ((byte === 0x7d || byte === 0x5d) && depth > 0) depth--;
    else if (depth === 0 && (byte === 0x2c || byte === 0x5d)) {
      if (start >= 0) items.push(trimEnd(raw.subarray(start, i)));
      start = -1;
      if (byte === 0x5d) return items;
    }
  }
  return undefined;
}

function trimEnd(buf: Buffer): Buffer {
  let end = buf.length;
  while (end > 0 && (buf[end - 1] === 0x20 || buf[end - 1] === 0x0a || buf[end - 1] === 0x0d || buf[end - 1] === 0x09)) end--;
  return buf.subarray(0, end);
}

/**
 * One event per item of a JSON array body, each with its own bytes and parse.
 * A body that is not an array is treated as a batch of one.
 */
export function batchEvents(raw: Buffer, body: unknown, fields: (item: unknown) => InboundEvent): InboundEvent[] {
  if (!Array.isArray(body)) return [fields(body)];
  const slices = splitJsonArray(raw);
  return body.map((item, i) => ({
    ...fields(item),
    body: item,
    payload: slices && slices.length === body.length ? slices[i] : Buffer.from(JSON.stringify(item)),
  }));
}
