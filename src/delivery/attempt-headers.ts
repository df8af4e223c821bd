/**
 * What an attempt keeps of the headers on the wire. The request headers are
 * Sluice's own making and mostly harmless (the signature proves nothing
 * without the secret), but an endpoint's custom headers are where operators
 * put the receiver's credentials (`Authorization: Bearer …`), and a forwarded
 * sender header can be one too: those values are replaced before anything is
 * stored, so neither the database nor the console ever holds them. The
 * response headers are the receiver's and bounded, so a receiver answering
 * with megabytes of headers cannot bloat the attempts table.
 */

/** Stands in for a value that was not stored. */
export const REDACTED = '[redacted]';

/** Response headers kept per attempt at most, and their total size (names and values). */
export const RESPONSE_HEADERS_MAX = 50;
export const RESPONSE_HEADER_BYTES_MAX = 4096;
/** A longer value is cut here (with an ellipsis) so one header cannot take the whole budget. */
const VALUE_MAX = 512;

/** Names that carry credentials whoever set them. A signature header does not match: it is safe to show. */
const CREDENTIAL_NAME = /^(authorization|proxy-authorization|cookie|set-cookie)$|api[-_]?key|token|secret|passw(or)?d|credential|session/i;

export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_NAME.test(name) && !/signature/i.test(name);
}

/**
 * The request headers as stored: every value of the endpoint's own headers
 * and of any credential-named header is replaced with `[redacted]`.
 */
export function storedRequestHeaders(sent: Record<string, string>, endpointHeaders: Record<string, string>): Record<string, string> {
  const custom = new Set(Object.keys(endpointHeaders).map((k) => k.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(sent)) {
    out[name] = custom.has(name.toLowerCase()) || isCredentialHeader(name) ? REDACTED : value;
  }
  return out;
}

/** The names whose values were not stored (Svix's `sensitive`). */
export function sensitiveNames(stored: Record<string, string> | null | undefined): string[] {
  return Object.entries(stored ?? {}).flatMap(([k, v]) => (v === REDACTED ? [k] : []));
}

/**
 * The response headers as stored: in the order received, a cookie the
 * receiver sets redacted, at most `RESPONSE_HEADERS_MAX` of them and
 * `RESPONSE_HEADER_BYTES_MAX` bytes in all; what does not fit is dropped and
 * counted in a last `sluice-truncated` pair.
 */
export function storedResponseHeaders(headers: Record<string, string | string[] | undefined>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let bytes = 0;
  let dropped = 0;
  for (const [name, raw] of Object.entries(headers)) {
    for (const one of Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) {
      const value = isCredentialHeader(name) ? REDACTED : one.length > VALUE_MAX ? `${one.slice(0, VALUE_MAX)}…` : one;
      const size = Buffer.byteLength(name) + Buffer.byteLength(value);
      if (out.length >= RESPONSE_HEADERS_MAX || bytes + size > RESPONSE_HEADER_BYTES_MAX) {
        dropped++;
        continue;
      }
      out.push([name, value]);
      bytes += size;
    }
  }
  if (dropped > 0) out.push(['sluice-truncated', `${dropped} more header${dropped === 1 ? '' : 's'} not kept`]);
  return out;
}
