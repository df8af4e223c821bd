/**
 * How deeply JSON text nests, measured on the bytes before any parse. A parse
 * of a 100,000-level body succeeds, but every later `JSON.stringify` of the
 * value (the API's views, Fastify's serializer) overflows the stack; so depth
 * is refused at the door, by a scan that costs one pass and no recursion.
 */

/** The deepest nesting of `[`/`{` outside strings, stopping early once it passes `limit`. */
export function jsonDepth(text: Buffer | string, limit = Number.MAX_SAFE_INTEGER): number {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (inString) {
      if (b === 0x5c)
        i++; // a backslash escapes the next byte, quotes included
      else if (b === 0x22) inString = false;
      continue;
    }
    if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (b === 0x7d || b === 0x5d) depth = Math.max(0, depth - 1);
  }
  return deepest;
}

/** Why this JSON text may not be parsed (it nests deeper than `limit`), or `null`. */
export function depthRefusal(text: Buffer | string, limit: number): string | null {
  return jsonDepth(text, limit) > limit ? `JSON nests deeper than ${limit} levels (ingest.maxNestingDepth)` : null;
}

/** Whether an already parsed value nests deeper than `limit` (iterative: safe on any value). */
export function valueTooDeep(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) stack.push([child, d + 1]);
  }
  return false;
}
