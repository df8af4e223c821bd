import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config/types.ts';
import type { RoleParts } from '../gateway/role.ts';
import type { CompiledSource, IngestPipeline } from '../ingest/pipeline.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { RelayHub } from '../relay/hub.ts';
import type { Store } from '../store/store.ts';
import { requireToken } from './api/auth.ts';
import { rateLimitApi } from './api/rate-limit.ts';
import { apiErrors } from './api/errors.ts';
import { messageRoutes } from './api/messages.ts';
import { idempotency } from './api/idempotency.ts';
import { openApi } from './api/openapi.ts';
import { outboundDeps, outboundRoutes, portalScope } from './api/outbound.ts';
import { snakeCaseQuery } from './api/query-case.ts';
import { quarantineRoutes } from './api/quarantine.ts';
import { relayRoutes, relayUpgrades } from './api/relay.ts';
import { testEventRoutes } from './api/test-event.ts';
import { ingestRoutes } from './ingest-routes.ts';

export interface HttpDeps {
  config: Config;
  store: Store;
  pipeline: IngestPipeline;
  sources: CompiledSource[];
  metrics: Metrics;
  log: Logger;
  /** A delivery became due (replay): wake the worker. */
  onQueued: () => void;
  /** Which surfaces this process serves (its role); all when absent. Health and metrics are always served. */
  parts?: Pick<RoleParts, 'ingest' | 'api'>;
  /** The `sluice listen` sessions, in a process that both serves the API and delivers. */
  relay?: RelayHub;
}

/** The whole HTTP surface: ingest, the API, health and metrics. */
export function buildHttpApp(deps: HttpDeps): FastifyInstance {
  const { config, store, metrics, log } = deps;
  const app = Fastify({
    logger: false,
    bodyLimit: config.ingest.maxBodySize,
    return503OnClosing: true,
    // Slow-loris protection: a request must arrive whole within this.
    requestTimeout: 30_000,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true } },
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'not_found', reason: `no route ${req.method} ${req.url.split('?')[0]}` }));
  app.setErrorHandler((err, _req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) log.error({ err }, 'http: unexpected error');
    return reply.code(status).send({ error: status >= 500 ? 'internal_error' : 'bad_request', reason: status >= 500 ? 'internal error' : (err as Error).message });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await store.ping();
      return { status: 'ready' };
    } catch (err) {
      log.warn({ err }, 'readyz: store does not answer');
      return reply.code(503).send({ status: 'unavailable', reason: 'the store does not answer' });
    }
  });
  app.get('/metrics', async (_req, reply) => {
    metrics.setBacklog(await store.backlog());
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  if (deps.parts?.ingest !== false) app.register(ingestRoutes, { pipeline: deps.pipeline, sources: deps.sources, metrics, log, trustProxy: config.trustProxy });

  if (deps.parts?.api !== false) app.register(async (api) => {
    apiErrors(api, log);
    openApi(api, '/api/v1');
    api.get('/health', async (_req, reply) => reply.code(204).send());
    const outbound = outboundDeps(store, config, log, deps.onQueued);
    api.register(async (authed) => {
      requireToken(authed, config.apiToken, portalScope(outbound));
      rateLimitApi(authed, config.outbound.apiRateLimit);
      snakeCaseQuery(authed);
      idempotency(authed, store, config.outbound.idempotencyTtlMs);
      await authed.register(outboundRoutes, outbound);
      await authed.register(messageRoutes, { store, onQueued: deps.onQueued });
      await authed.register(quarantineRoutes, { store, config, onQueued: deps.onQueued });
      await authed.register(testEventRoutes, { pipeline: deps.pipeline, sources: deps.sources, config });
      await authed.register(relayRoutes, { store, hub: deps.relay });
    });
  }, { prefix: '/api/v1' });
  if (deps.parts?.api !== false) relayUpgrades(app.server, { store, hub: deps.relay, token: config.apiToken, log });

  return app;
}
