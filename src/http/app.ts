import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config/types.ts';
import type { RoleParts } from '../gateway/role.ts';
import type { CompiledSource, IngestPipeline } from '../ingest/pipeline.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { RelayHub } from '../relay/hub.ts';
import type { Store } from '../store/store.ts';
import { apiTokenPrincipal, apiTokenResolver } from '../auth/api-tokens.ts';
import { PortalSessions, storedPortalResolver } from '../auth/portal-sessions.ts';
import { portalExchangeRoutes, portalSessionRoutes } from './api/portal-sessions.ts';
import { requireAuth } from './api/auth.ts';
import { authRoutes } from './api/auth-routes.ts';
import { auditLog, auditRoutes } from './api/audit.ts';
import { networkPolicyRoutes } from './api/network-policy.ts';
import { alertRoutes } from './api/alerts.ts';
import { reconcileRoutes, type ReconcileTrigger } from './api/reconcile.ts';
import { bulkJobRoutes } from './api/bulk-jobs.ts';
import { rateLimitApi } from './api/rate-limit.ts';
import { apiErrors } from './api/errors.ts';
import { messageRoutes } from './api/messages.ts';
import { idempotency } from './api/idempotency.ts';
import { openApi } from './api/openapi.ts';
import { resourceDeps } from './api/resource-deps.ts';
import { resourceRoutes } from './api/resource-routes.ts';
import { snakeCaseQuery } from './api/query-case.ts';
import { quarantineRoutes } from './api/quarantine.ts';
import fastifyCookie from '@fastify/cookie';
import { ConsoleSessions } from '../auth/console-session.ts';
import type { LiveBus } from '../live/bus.ts';
import { endpointHealthRoutes } from './api/endpoint-health.ts';
import { messageSearchRoutes } from './api/message-search.ts';
import { overviewRoutes } from './api/overview.ts';
import { sourceRoutes } from './api/rejections.ts';
import { sessionResolver, sessionRoutes, type SessionDeps } from './api/session.ts';
import { streamRoutes } from './api/stream.ts';
import { consoleStatic } from './console-static.ts';
import { portalStatic } from './portal-static.ts';
import { relayRoutes, relayUpgrades } from './api/relay.ts';
import { testEventRoutes } from './api/test-event.ts';
import { ingestRoutes } from './ingest-routes.ts';
import { metricsRoute } from './metrics-route.ts';
import { securityHeaders } from './security-headers.ts';
import { ingestAnswer, sendFrameworkError, sendIngestError } from '../error-catalogue.ts';

export interface HttpDeps {
  config: Config;
  store: Store;
  pipeline: IngestPipeline;
  sources: CompiledSource[];
  metrics: Metrics;
  log: Logger;
  /** A delivery became due (replay): wake the worker. */
  onQueued: () => void;
  /** A bulk recovery job was stored: wake this process's job runner (absent without a worker). */
  onBulkJob?: () => void;
  /** Runs a source's reconciliation now (`POST /sources/{source}/reconcile`). */
  reconcile?: ReconcileTrigger;
  /** Which surfaces this process serves (its role); all when absent. Health and metrics are always served. */
  parts?: Pick<RoleParts, 'ingest' | 'api'>;
  /** The `sluice listen` sessions, in a process that both serves the API and delivers. */
  relay?: RelayHub;
  /** Ingest decisions and attempt outcomes as they happen (the live stream). */
  live: LiveBus;
  /** What app-portal tokens are signed with: derived from the secret key, so every process holding it accepts them. */
  portalKey: Buffer;
}

/** The whole HTTP surface: ingest, the API, health and metrics. */
export function buildHttpApp(deps: HttpDeps): FastifyInstance {
  const { config, store, metrics, log } = deps;
  const app = Fastify({
    logger: false,
    bodyLimit: config.ingest.maxBodySize,
    return503OnClosing: true,
    // Slow-loris protection: headers within headersTimeout, the whole request within requestTimeout,
    // judged every second (Node's default check interval is 30 s).
    requestTimeout: config.server.requestTimeoutMs,
    http: {
      headersTimeout: Math.min(config.server.headersTimeoutMs, config.server.requestTimeoutMs),
      connectionsCheckingInterval: Math.min(1000, config.server.headersTimeoutMs),
    },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true } },
  });

  // Sockets past the cap are closed on accept; the ones already open keep being answered.
  app.server.maxConnections = config.server.maxConnections;
  securityHeaders(app, { noStore: false });

  app.setNotFoundHandler((req, reply) => sendIngestError(reply, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`));
  app.setErrorHandler((err, _req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status < 500) return sendFrameworkError(reply, 'ingest', { statusCode: status, message: (err as Error).message }, 'bad_request');
    log.error({ err }, 'http: unexpected error');
    // The framework's own 5xx keeps its status; the body never says more than this.
    return reply.code(status).send(ingestAnswer('internal_error', 'internal error').body);
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
  // With metrics.listen, /metrics is served on that address only (gateway.ts).
  if (config.metrics.listen === null)
    metricsRoute(app, { metrics, store, token: config.metrics.token, failuresPerMinute: config.auth.failedAuthPerMinute });

  if (deps.parts?.ingest !== false)
    app.register(ingestRoutes, { pipeline: deps.pipeline, sources: deps.sources, metrics, log, trustProxy: config.trustProxy });

  // The console is a client of the API: it is served wherever the API is.
  if (deps.parts?.api !== false && config.console.enabled) app.register(consoleStatic);
  if (deps.parts?.api !== false) app.register(portalStatic, { store, portal: config.portal, serveAssets: !config.console.enabled });

  if (deps.parts?.api !== false)
    app.register(
      async (api) => {
        apiErrors(api, log, config.ingest.maxNestingDepth);
        securityHeaders(api, { noStore: true });
        openApi(api, '/api/v1');
        api.get('/health', async (_req, reply) => reply.code(204).send());
        const resources = { ...resourceDeps(store, config, log, deps.onQueued, deps.onBulkJob, deps.portalKey), live: deps.live };
        await api.register(fastifyCookie);
        const session: SessionDeps = {
          sessions: new ConsoleSessions(store, config.console.sessionTtlMs),
          tokenPrincipal: apiTokenPrincipal(config.auth.tokens),
          trustProxy: config.trustProxy,
        };
        await api.register(sessionRoutes, session);
        const portalSessions = new PortalSessions(store, resources.tokens, config.portal.sessionTtlMs);
        await api.register(portalExchangeRoutes, { sessions: portalSessions });
        api.register(async (authed) => {
          // One resolver per way in: bearer API tokens, app-portal tokens, console session cookies.
          const resolvers = [apiTokenResolver(config.auth.tokens), storedPortalResolver(portalSessions), sessionResolver(session)];
          requireAuth(authed, { resolvers, store, failuresPerMinute: config.auth.failedAuthPerMinute });
          rateLimitApi(authed, config.outbound.apiRateLimit);
          snakeCaseQuery(authed);
          idempotency(authed, store, config.outbound.idempotencyTtlMs);
          auditLog(authed, store, log);
          await authed.register(authRoutes);
          await authed.register(portalSessionRoutes, { store, config, sessions: portalSessions });
          await authed.register(auditRoutes, { store });
          await authed.register(networkPolicyRoutes, resources);
          await authed.register(resourceRoutes, resources);
          await authed.register(messageRoutes, { store, onQueued: deps.onQueued });
          await authed.register(quarantineRoutes, { store, config, onQueued: deps.onQueued });
          await authed.register(overviewRoutes, { store });
          await authed.register(messageSearchRoutes, { store });
          await authed.register(sourceRoutes, { store, sources: deps.sources });
          await authed.register(endpointHealthRoutes, { store });
          await authed.register(streamRoutes, { store, live: deps.live });
          await authed.register(testEventRoutes, { pipeline: deps.pipeline, sources: deps.sources, config });
          await authed.register(relayRoutes, { store, hub: deps.relay });
          await authed.register(bulkJobRoutes, { store, onBulkJob: resources.onBulkJob });
          await authed.register(alertRoutes, { store, config });
          if (deps.reconcile) await authed.register(reconcileRoutes, { store, reconcile: deps.reconcile });
        });
      },
      { prefix: '/api/v1' },
    );
  if (deps.parts?.api !== false)
    relayUpgrades(app.server, {
      store,
      hub: deps.relay,
      resolvers: [apiTokenResolver(config.auth.tokens)],
      failuresPerMinute: config.auth.failedAuthPerMinute,
      log,
    });

  return app;
}
