import { WebhookVerificationError } from './errors.ts';
import { errorReply, webResponse, webUrl, type UrlOptions } from './node-glue.ts';
import { createVerifier, type VerifiedWebhook, type VerifyOptions } from './verifier.ts';

/**
 * Verifies a Web-standard `Request` (Next.js route handlers, Deno, Bun,
 * Cloudflare Workers). Reads the body as bytes, so do not read it before.
 * Throws `WebhookVerificationError`; a `handshake` in the result must be
 * sent back as it is.
 *
 * @example
 * ```ts
 * import { verifyRequest } from 'sluice/verify';
 * export async function POST(request: Request) {
 *   const hook = await verifyRequest('slack', request, { secrets: [process.env.SLACK_SIGNING_SECRET!] });
 *   return Response.json({ ok: true, type: hook.type });
 * }
 * ```
 */
export async function verifyRequest(provider: string, request: Request, options: VerifyOptions & UrlOptions): Promise<VerifiedWebhook> {
  return verifyWith(createVerifier(provider, options), request, options);
}

/**
 * A complete `(request: Request) => Promise<Response>` handler: answers
 * handshakes and bad signatures (401 JSON) itself and calls `handle` with
 * each verified webhook.
 *
 * @example
 * ```ts
 * import { webhookHandler } from 'sluice/verify';
 * export const POST = webhookHandler('twitch', { secrets: [process.env.TWITCH_SECRET!] }, async (hook) => {
 *   await queue.push(hook.payload);
 *   return new Response(null, { status: 204 });
 * });
 * ```
 */
export function webhookHandler(
  provider: string,
  options: VerifyOptions & UrlOptions,
  handle: (hook: VerifiedWebhook, request: Request) => Response | Promise<Response>,
): (request: Request) => Promise<Response> {
  const verifier = createVerifier(provider, options);
  return async (request) => {
    let hook: VerifiedWebhook;
    try {
      hook = await verifyWith(verifier, request, options);
    } catch (err) {
      if (err instanceof WebhookVerificationError && err.code === 'signature_invalid') return webResponse(errorReply(err));
      throw err;
    }
    return hook.handshake ? webResponse(hook.handshake) : handle(hook, request);
  };
}

/** Shared by the Web helpers and the Hono middleware. */
export async function verifyWith(
  verifier: ReturnType<typeof createVerifier>,
  request: Request,
  options: UrlOptions,
  body?: ArrayBuffer,
): Promise<VerifiedWebhook> {
  if (body === undefined && request.bodyUsed)
    throw new WebhookVerificationError('raw_body_unavailable', 'the request body was already read');
  const rawBody = Buffer.from(body ?? (await request.arrayBuffer()));
  return verifier.verify({ rawBody, headers: request.headers, method: request.method, url: webUrl(request, options) });
}
