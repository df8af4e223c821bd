/**
 * The one rule for an endpoint's custom headers, whichever door sets them (the
 * YAML or the API): a header that would corrupt the request (framing, hop-by-hop,
 * `Expect`), spoof what Sluice sets itself (`webhook-*`, `svix-*`, `sluice-*`,
 * `Host`), or make every delivery fail (a value undici refuses) is refused when
 * it is configured, never at send time.
 */

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** Set by Sluice or by HTTP itself on every delivery. */
const RESERVED = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'proxy-connection',
  'user-agent',
  'http2-settings',
]);
const RESERVED_PREFIX = /^(webhook-|svix-|sluice-|proxy-|:)/;
/** Visible ASCII, spaces and tabs: what every HTTP stack accepts in a value. */
const VALUE = /^[\t\x20-\x7e]*$/;
const MAX_VALUE = 8192;
export const MAX_HEADERS = 64;

/** What is wrong with one custom header, or `null`. */
export function headerProblem(name: string, value: string | null): string | null {
  if (!TOKEN.test(name)) return 'is not a valid header name';
  const lower = name.toLowerCase();
  if (RESERVED.has(lower) || RESERVED_PREFIX.test(lower)) return 'is set by Sluice or by HTTP itself and cannot be configured';
  if (value === null) return null;
  if (/[\r\n\0]/.test(value)) return 'must not contain line breaks or NUL';
  if (!VALUE.test(value)) return 'must be printable ASCII (encode other characters)';
  if (value.length > MAX_VALUE) return `must be at most ${MAX_VALUE} characters`;
  return null;
}
