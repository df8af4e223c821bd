import type { FastifyInstance } from 'fastify';

/**
 * On every answer of the scope: `X-Content-Type-Options: nosniff`, so a stored
 * payload served as JSON or text is never sniffed into HTML by a browser; and
 * `Cache-Control: no-store`, so answers carrying secrets and portal tokens stay
 * out of every cache between the caller and us.
 */
export function securityHeaders(app: FastifyInstance, opts: { noStore: boolean }): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    if (opts.noStore) reply.header('cache-control', 'no-store');
    return payload;
  });
}
