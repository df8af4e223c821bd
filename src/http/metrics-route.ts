import type { FastifyInstance } from 'fastify';
import { bearerOf } from '../auth/authenticate.ts';
import type { Metrics } from '../observability/metrics.ts';
import { safeEqual } from '../signing/compare.ts';
import type { Store } from '../store/store.ts';

/**
 * `GET /metrics` in Prometheus' text format; with a token configured
 * (`metrics.token`) it asks for `Authorization: Bearer <token>`, which is how
 * Prometheus' `authorization` scrape setting sends it.
 */
export function metricsRoute(app: FastifyInstance, opts: { metrics: Metrics; store: Store; token: string | null }): void {
  const { metrics, store, token } = opts;
  app.get('/metrics', async (req, reply) => {
    if (token !== null) {
      const given = bearerOf(req);
      if (given === undefined || !safeEqual(given, token)) {
        return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'authentication_failed', reason: 'metrics.token is set: send Authorization: Bearer <token>' });
      }
    }
    metrics.setBacklog(await store.backlog());
    return reply.header('cache-control', 'no-store').type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
