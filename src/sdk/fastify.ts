import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { WebhookVerificationError } from './errors.ts';
import { errorReply, type UrlOptions } from './node-glue.ts';
import { seenUrl } from '../providers/seen-url.ts';
import { createVerifier, type VerifiedWebhook, type VerifyOptions } from './verifier.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `fastifyWebhook` once the request is verified. */
    webhook?: VerifiedWebhook | null;
  }
}

/**
 * A Fastify plugin for the scope it is registered in: bodies of every
 * content type arrive as the raw Buffer, each request is verified in a
 * `preHandler`, handshakes and bad signatures (401 JSON) are answered, and
 * the routes of the scope read `request.webhook`. Register it inside the
 * scope that holds the webhook routes, so the rest of the app keeps its parsers.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { fastifyWebhook } from 'sluice/verify';
 * const app = Fastify();
 * app.register(async (scope) => {
 *   await scope.register(fastifyWebhook('shopify', { secrets: [process.env.SHOPIFY_SECRET!] }));
 *   scope.post('/hooks/shopify', async (req) => ({ got: req.webhook?.type }));
 * });
 * ```
 */
export function fastifyWebhook(provider: string, options: VerifyOptions & UrlOptions): FastifyPluginAsync {
  const verifier = createVerifier(provider, options);
  const plugin = async (scope: FastifyInstance): Promise<void> => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    if (!scope.hasRequestDecorator('webhook')) scope.decorateRequest('webhook', null);
    scope.addHook('preHandler', async (req: FastifyRequest, reply) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const url =
        verifier.signsUrl || options.publicUrl
          ? seenUrl({ path: req.url, headers: req.headers, protocol: req.protocol, host: req.host }, options)
          : undefined;
      try {
        const hook = verifier.verify({ rawBody, headers: req.headers, method: req.method, ...(url ? { url } : {}) });
        if (hook.handshake) return reply.code(hook.handshake.status).type(hook.handshake.contentType).send(hook.handshake.body);
        req.webhook = hook;
      } catch (err) {
        if (!(err instanceof WebhookVerificationError) || err.code !== 'signature_invalid') throw err;
        const out = errorReply(err);
        return reply.code(out.status).type(out.contentType).send(out.body);
      }
      return undefined;
    });
  };
  // Same as fastify-plugin: the parsers and hook apply to the scope that registers this, not a child.
  Object.assign(plugin, { [Symbol.for('skip-override')]: true });
  return plugin;
}
