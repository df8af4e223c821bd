/** What the server knows about a request, to rebuild the URL the provider called. */
export interface UrlParts {
  /** Path and query as received (`/in/twilio?x=1`). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** `http` or `https`, from our own socket. */
  protocol: string;
  /** The Host header. */
  host: string;
}

/**
 * The URL a provider called, for providers that sign it (Twilio, Square,
 * HubSpot). A configured `publicUrl` wins (the request's query is appended
 * when it has none); otherwise scheme and host come from our socket, or from
 * `X-Forwarded-Proto`/`-Host` when `trustProxy` is on — never by default,
 * since then a sender could pick the URL we check.
 */
export function seenUrl(parts: UrlParts, opts: { publicUrl?: string | undefined; trustProxy?: boolean }): string {
  const q = parts.path.indexOf('?');
  if (opts.publicUrl) return opts.publicUrl.includes('?') || q < 0 ? opts.publicUrl : opts.publicUrl + parts.path.slice(q);
  const forwarded = (name: string): string | undefined => {
    const value = parts.headers[name];
    const first = (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
    return opts.trustProxy && first ? first : undefined;
  };
  return `${forwarded('x-forwarded-proto') ?? parts.protocol}://${forwarded('x-forwarded-host') ?? parts.host}${parts.path}`;
}
