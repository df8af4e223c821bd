import type { IncomingMessage, ServerResponse } from 'node:http';
import { seenUrl } from '../providers/seen-url.ts';
import type { HandshakeReply } from '../providers/types.ts';
import { WebhookVerificationError } from './errors.ts';

/** Where the middleware finds the URL the provider called. */
export interface UrlOptions {
  /** The URL as configured at the provider; wins over the request (the request's query is appended). */
  publicUrl?: string;
  /** Believe `X-Forwarded-Proto`/`-Host` (only behind a proxy that sets them). */
  trustProxy?: boolean;
}

/** Upper bound for a body read by the middleware itself. */
const MAX_BODY = 16 * 1024 * 1024;

/**
 * The raw body of a Node request: the Buffer a raw body parser left in
 * `req.body`, else read from the stream. A parsed object means a JSON parser
 * already consumed the bytes; verifying its re-serialisation would fail
 * intermittently, so that is an error.
 */
export async function rawBodyOf(req: IncomingMessage & { body?: unknown }): Promise<Buffer> {
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === 'string') return Buffer.from(req.body, 'utf8');
  if (req.body !== undefined && req.body !== null) {
    throw new WebhookVerificationError(
      'raw_body_unavailable',
      'a body parser ran before the webhook verifier; mount the verifier first or use a raw parser',
    );
  }
  if (req.readableEnded) throw new WebhookVerificationError('raw_body_unavailable', 'the request body was already read');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new WebhookVerificationError('raw_body_unavailable', `the body is larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The URL the provider called, for a Node request. */
export function nodeUrl(req: IncomingMessage & { originalUrl?: string }, opts: UrlOptions): string {
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  return seenUrl(
    {
      path: req.originalUrl ?? req.url ?? '/',
      headers: req.headers,
      protocol: encrypted ? 'https' : 'http',
      host: req.headers.host ?? 'localhost',
    },
    opts,
  );
}

/** The URL the provider called, for a Web `Request`. */
export function webUrl(request: Request, opts: UrlOptions): string {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return seenUrl({ path: url.pathname + url.search, headers, protocol: url.protocol.slice(0, -1), host: url.host }, opts);
}

export function sendNode(res: ServerResponse, reply: HandshakeReply): void {
  res.statusCode = reply.status;
  if (reply.body !== '' || reply.status !== 204) res.setHeader('content-type', reply.contentType);
  res.end(reply.body);
}

/** The JSON answer for a failed verification (401) or a setup mistake (500). */
export function errorReply(err: WebhookVerificationError): HandshakeReply {
  return { status: err.status, contentType: 'application/json', body: JSON.stringify({ error: err.code, reason: err.message }) };
}

export function webResponse(reply: HandshakeReply): Response {
  const body = reply.status === 204 ? null : reply.body;
  return new Response(body, { status: reply.status, headers: body === null ? {} : { 'content-type': reply.contentType } });
}
