import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebhookVerificationError } from './errors.ts';
import { errorReply, nodeUrl, rawBodyOf, sendNode, type UrlOptions } from './node-glue.ts';
import { createVerifier, type VerifiedWebhook, type VerifyOptions } from './verifier.ts';

/** The request as the Express middleware sees and leaves it. */
export type ExpressWebhookRequest = IncomingMessage & { body?: unknown; originalUrl?: string; webhook?: VerifiedWebhook };

/**
 * Express (4 and 5) middleware: reads the raw body (or takes the Buffer of
 * `express.raw()`), verifies it, answers handshakes and bad signatures
 * itself (401 JSON), and otherwise sets `req.webhook` and `req.body` (the raw
 * Buffer) and calls `next()`. Mount it before any JSON parser on its route.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { expressWebhook } from 'sluice/verify';
 * const app = express();
 * app.post('/hooks/github', expressWebhook('github', { secrets: [process.env.GITHUB_SECRET!] }), (req, res) => {
 *   console.log(req.webhook.id, req.webhook.type);
 *   res.sendStatus(204);
 * });
 * ```
 */
export function expressWebhook(
  provider: string,
  options: VerifyOptions & UrlOptions,
): (req: ExpressWebhookRequest, res: ServerResponse, next: (err?: unknown) => void) => void {
  const verifier = createVerifier(provider, options);
  return (req, res, next) => {
    rawBodyOf(req)
      .then((rawBody) => {
        req.body = rawBody;
        const url = verifier.signsUrl || options.publicUrl ? nodeUrl(req, options) : undefined;
        const hook = verifier.verify({ rawBody, headers: req.headers, method: req.method, ...(url ? { url } : {}) });
        if (hook.handshake) return sendNode(res, hook.handshake);
        req.webhook = hook;
        next();
      })
      .catch((err: unknown) => {
        if (err instanceof WebhookVerificationError && err.code === 'signature_invalid') return sendNode(res, errorReply(err));
        next(err);
      });
  };
}
