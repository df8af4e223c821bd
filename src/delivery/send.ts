import { Agent, request } from 'undici';
import { defaults } from '../config/defaults.ts';
import type { LeasedDelivery } from '../store/store.ts';
import { VERSION } from '../version.ts';
import { parseRetryAfter } from './retry-policy.ts';
import { providerHeaders, type SourceSigners } from './provider-signature.ts';
import { deliverySignature } from './signature.ts';
import { guardedConnector, type AddressGuard } from './ssrf.ts';
import { storedRequestHeaders, storedResponseHeaders } from './attempt-headers.ts';

export interface SendResult {
  startedAt: number;
  durationMs: number;
  /** `null` when no response arrived. */
  status: number | null;
  responseBody: string | null;
  error: string | null;
  retryAfterMs: number | undefined;
  /** The attempt was cut short by our own shutdown: not the receiver's fault, not recorded. */
  interrupted: boolean;
  /** The headers sent, credentials redacted (`attempt-headers.ts`), for the attempt's record. */
  requestHeaders?: Record<string, string>;
  /** The answer's headers, bounded, for the attempt's record. */
  responseHeaders?: Array<[string, string]>;
  /** The answer's content type (an interactive source returns it to its sender). */
  contentType?: string | undefined;
  /** Not sent, and not the receiver's fault (a relay listener is away): the lease is given back until then, no attempt counted. */
  postponeUntil?: number;
  /** No retry can help (a relay listener away for longer than its `--keep`): the delivery goes dead. */
  permanent?: boolean;
}

/**
 * One keep-alive pool per origin (undici's Agent keeps them), shared by every
 * delivery. With a guard, every connection goes through the SSRF guard's
 * connector; undici follows no redirects, so a 3xx is just a failed attempt.
 */
export function createAgent(guard?: AddressGuard): Agent {
  const connect = guard ? guardedConnector(guard, 10_000) : { timeout: 10_000 };
  return new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000, connect });
}

/** The secrets that sign now: the current one and rotated-out ones not yet expired. */
function signingSecrets(leased: LeasedDelivery, now: number): string[] {
  return leased.endpoint.secrets.filter((s) => s.expiresAt === null || s.expiresAt > now).map((s) => s.secret);
}

/**
 * What every deliverer sends, whatever carries it: the message's original
 * bytes and content type, the sender's forwarded headers, the endpoint's
 * headers, and the signature with every secret that signs now.
 */
export function deliveryRequest(
  leased: LeasedDelivery,
  at: number,
  signers?: SourceSigners,
): { body: Buffer; headers: Record<string, string> } {
  const { message, endpoint } = leased;
  const body = message.payload ?? Buffer.alloc(0);
  const own = deliverySignature(endpoint.signatureStyle, signingSecrets(leased, at), message.id, Math.floor(at / 1000), body);
  // API messages carry no sender's headers; an inbound one carries its provider's, as the endpoint's providerSignature says.
  const sender =
    message.source === null
      ? { headers: {}, extraSignatures: [] }
      : providerHeaders(message.headers, endpoint.providerSignature, signers?.get(message.source), {
          payload: body,
          nowMs: at,
          messageId: message.id,
        });
  const signatureName = `${endpoint.signatureStyle === 'svix' ? 'svix' : 'webhook'}-signature`;
  if (sender.extraSignatures.length > 0) own[signatureName] = [own[signatureName], ...sender.extraSignatures].join(' ');
  const headers: Record<string, string> = {
    ...sender.headers,
    ...sluiceHeaders(message.headers),
    ...endpoint.headers,
    ...own,
    'content-type': message.contentType ?? 'application/json',
    'user-agent': `Sluice/${VERSION}`,
  };
  // A FIFO endpoint with `stale: deliver` still gets a message older than one it already has, flagged so it can tell.
  if (leased.delivery.stale) headers['sluice-stale'] = 'true';
  return { body, headers };
}

/**
 * Headers Sluice itself stored with the message (not the sender's): the trace
 * context of its ingest span and the mark of a reconciled event. They go out
 * whatever the endpoint's providerSignature says about the sender's headers.
 */
const SLUICE_STORED = ['traceparent', 'tracestate', 'sluice-reconciled'] as const;

function sluiceHeaders(stored: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SLUICE_STORED) if (stored[name] !== undefined) out[name] = stored[name];
  return out;
}

/**
 * POSTs the message's original bytes to the endpoint, signed, and reads the
 * first 4 KiB of the answer. Never throws: every failure is a result.
 */
export async function sendDelivery(
  agent: Agent,
  leased: LeasedDelivery,
  timeoutMs: number,
  shutdown: AbortSignal,
  signers?: SourceSigners,
): Promise<SendResult> {
  const { endpoint } = leased;
  const startedAt = Date.now();
  const { body, headers } = deliveryRequest(leased, startedAt, signers);
  // One controller per attempt, its timer cleared and its shutdown listener removed when the attempt ends:
  // AbortSignal.timeout() keeps every timer alive for the full timeout and AbortSignal.any() ties each
  // attempt to the process-long shutdown signal, so at thousands of attempts a second both held memory.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  const onShutdown = (): void => controller.abort(new Error('the gateway is shutting down'));
  if (shutdown.aborted) onShutdown();
  else shutdown.addEventListener('abort', onShutdown, { once: true });
  const signal = controller.signal;
  const result = (status: number | null, responseBody: string | null, error: string | null, retryAfterMs?: number): SendResult => ({
    startedAt,
    durationMs: Date.now() - startedAt,
    status,
    responseBody,
    error,
    retryAfterMs,
    interrupted: shutdown.aborted && !timedOut,
    requestHeaders: storedRequestHeaders(headers, endpoint.headers),
  });
  try {
    const res = await request(endpoint.url, { method: 'POST', headers, body, dispatcher: agent, signal });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      chunks.push(buf);
      size += buf.length;
      if (size >= defaults.responseBodyLimit) break;
    }
    const text = Buffer.concat(chunks).subarray(0, defaults.responseBodyLimit).toString('utf8');
    const type = res.headers['content-type'];
    return {
      ...result(res.statusCode, text, null, parseRetryAfter(res.headers['retry-after'], Date.now())),
      contentType: Array.isArray(type) ? type[0] : type,
      responseHeaders: storedResponseHeaders(res.headers),
    };
  } catch (err) {
    if (timedOut) return result(null, null, `timed out after ${timeoutMs} ms`);
    return result(null, null, describeError(err));
  } finally {
    clearTimeout(timer);
    shutdown.removeEventListener('abort', onShutdown);
  }
}

function describeError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const text = e.cause?.message ?? e.message ?? String(err);
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'host not found';
  if (code === 'SSRF_REFUSED') return text;
  return code ? `${code}: ${text}` : text;
}
