import type { FastifyInstance } from 'fastify';
import { apiError } from '../../error-catalogue.ts';

const MAX_TRACKED = 10_000;

/**
 * A token bucket per authenticated principal (its kind and name, so spelling
 * the same token differently gains nothing), in this process: `perSecond` requests a second with bursts up to one second's
 * worth. Beyond it, 429 in Svix's error shape with `Retry-After`, so Svix's
 * clients back off as they do against Svix.
 */
export function rateLimitApi(app: FastifyInstance, perSecond: number): void {
  if (perSecond <= 0) return;
  const buckets = new Map<string, { tokens: number; at: number }>();
  app.addHook('onRequest', async (req, reply) => {
    // Runs after the auth hook: every request here has a principal.
    const key = req.principal ? `${req.principal.kind}:${req.principal.name}` : `ip:${req.ip}`;
    const now = Date.now();
    let bucket = buckets.get(key);
    if (!bucket) {
      if (buckets.size >= MAX_TRACKED) buckets.clear();
      bucket = { tokens: perSecond, at: now };
      buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    reply.header('retry-after', String(Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond))));
    throw apiError(
      'rate_limit_exceeded',
      `more than ${perSecond} API requests per second with this credential; retry after the Retry-After delay`,
    );
  });
}
