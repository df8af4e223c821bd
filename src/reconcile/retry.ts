import { defaults } from '../config/defaults.ts';

/** Whether a provider API error is worth trying again: rate limits, server errors, the network. */
export function retryable(err: unknown): boolean {
  const status = (err as { statusCode?: number; status?: number }).statusCode ?? (err as { status?: number }).status;
  return status === undefined || status === 429 || status >= 500;
}

/** The wait a 429 asks for (`Retry-After` seconds), if it says. */
function retryAfterMs(err: unknown): number | undefined {
  const headers =
    (err as { headers?: Record<string, string>; response?: { headers?: Record<string, string> } }).headers ??
    (err as { response?: { headers?: Record<string, string> } }).response?.headers;
  const value = headers?.['retry-after'];
  const s = value === undefined ? NaN : Number(value);
  return Number.isFinite(s) ? Math.min(s * 1000, 60_000) : undefined;
}

/**
 * Calls `fn` up to `tries` times, waiting `baseMs`, then twice that, … (or
 * what a 429's `Retry-After` asks, at most a minute) between tries of a
 * retryable failure. Runs beside ingest, never in its way.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  tries: number = defaults.reconcileTries,
  baseMs: number = defaults.reconcileRetryMs,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= tries || !retryable(err)) throw err;
      await new Promise((r) => setTimeout(r, retryAfterMs(err) ?? baseMs * 2 ** (attempt - 1)));
    }
  }
}
