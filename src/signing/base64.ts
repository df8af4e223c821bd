/**
 * Base64 (or base64url) text as bytes, only when it is the canonical spelling
 * of them: padding may be left out and either alphabet used, but the unused
 * bits of the last character must be zero and nothing else may appear (Node's
 * decoder skips stray characters). Otherwise one signature would have several
 * accepted spellings where a provider's SDK, comparing text, accepts one.
 * An empty buffer when the text is not canonical (it never matches a MAC).
 */
export function strictBase64(text: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return Buffer.alloc(0);
  const bytes = Buffer.from(trimmed, 'base64');
  const given = trimmed.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  return bytes.toString('base64').replace(/=+$/, '') === given ? bytes : Buffer.alloc(0);
}
