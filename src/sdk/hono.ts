import { WebhookVerificationError } from './errors.ts';
import { errorReply, webResponse, type UrlOptions } from './node-glue.ts';
import { createVerifier, type VerifiedWebhook, type VerifyOptions } from './verifier.ts';
import { verifyWith } from './web.ts';

/** The part of Hono's `Context` the middleware uses (no import of hono needed). */
export interface HonoLikeContext {
  req: { raw: Request; arrayBuffer(): Promise<ArrayBuffer> };
  set(key: 'webhook', value: VerifiedWebhook): void;
}

/**
 * Hono middleware: verifies the raw body (read through Hono's body cache, so
 * handlers can still call `c.req.json()`), answers handshakes and bad
 * signatures (401 JSON), and sets `c.get('webhook')`.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { honoWebhook, type VerifiedWebhook } from 'sluice/verify';
 * const app = new Hono<{ Variables: { webhook: VerifiedWebhook } }>();
 * app.post('/hooks/paddle', honoWebhook('paddle', { secrets: [process.env.PADDLE_SECRET!] }), (c) =>
 *   c.json({ type: c.get('webhook').type }));
 * ```
 */
export function honoWebhook(
  provider: string,
  options: VerifyOptions & UrlOptions,
): (c: HonoLikeContext, next: () => Promise<void>) => Promise<Response | undefined> {
  const verifier = createVerifier(provider, options);
  return async (c, next) => {
    let hook: VerifiedWebhook;
    try {
      hook = await verifyWith(verifier, c.req.raw, options, await c.req.arrayBuffer());
    } catch (err) {
      if (err instanceof WebhookVerificationError && err.code === 'signature_invalid') return webResponse(errorReply(err));
      throw err;
    }
    if (hook.handshake) return webResponse(hook.handshake);
    c.set('webhook', hook);
    await next();
    return undefined;
  };
}
