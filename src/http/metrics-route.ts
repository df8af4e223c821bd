import type { FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import { bearerOf } from '../auth/authenticate.ts';
import { FailureLimiter } from '../auth/failure-limiter.ts';
import type { Metrics } from '../observability/metrics.ts';
import { safeEqual } from '../signing/compare.ts';
import type { Store } from '../store/store.ts';
import { sendIngestError } from '../error-catalogue.ts';

/**
 * `GET /metrics` in Prometheus' text format; with a token configured
 * (`metrics.token`) it asks for `Authorization: Bearer <token>`, which is how
 * Prometheus' `authorization` scrape setting sends it. Wrong tokens count
 * per address as on the API (`auth.failedAuthPerMinute`), and tokens are
 * compared as hashes, so the time taken says nothing of the length.
 */
export function metricsRoute(
  app: FastifyInstance,
  opts: { metrics: Metrics; store: Store; token: string | null; failuresPerMinute?: number },
): void {
  const { metrics, store, token } = opts;
  const failures = new FailureLimiter(opts.failuresPerMinute ?? 0);
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  const want = token === null ? null : digest(token);
  app.get('/metrics', async (req, reply) => {
    if (want !== null) {
      const wait = failures.blockedFor(req.ip, Date.now());
      if (wait > 0) {
        return sendIngestError(
          reply.header('retry-after', String(Math.ceil(wait / 1000))),
          'rate_limit_exceeded',
          'too many failed authentications from this address; retry after the Retry-After delay',
        );
      }
      const given = bearerOf(req);
      if (given === undefined || !safeEqual(digest(given), want)) {
        failures.fail(req.ip, Date.now());
        return sendIngestError(
          reply.header('www-authenticate', 'Bearer'),
          'authentication_failed',
          'metrics.token is set: send Authorization: Bearer <token>',
        );
      }
    }
    metrics.setBacklog(await store.backlog());
    return reply
      .header('cache-control', 'no-store')
      .type(metrics.registry.contentType)
      .send(await metrics.registry.metrics());
  });
}
