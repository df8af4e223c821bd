import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config/types.ts';
import { policyFor } from '../delivery/network-policy.ts';
import { AttemptBus } from '../delivery/attempt-bus.ts';
import { endpointType } from '../delivery/endpoint-type.ts';
import { AddressGuard } from '../delivery/ssrf.ts';
import { DeliveryWorker } from '../delivery/worker.ts';
import { loadKeyring, portalTokenKey, reloadKeys } from '../auth/keyring.ts';
import { installKeys } from '../store/secret-box.ts';
import { BulkJobRunner } from '../recovery/runner.ts';
import { AlertEvaluator } from '../alerts/evaluator.ts';
import { reconcileFacts } from '../reconcile/facts.ts';
import { ReconcileScheduler } from '../reconcile/scheduler.ts';
import { buildHttpApp } from '../http/app.ts';
import { securityHeaders } from '../http/security-headers.ts';
import { metricsRoute } from '../http/metrics-route.ts';
import { compileStoredSchemas } from '../ingest/event-types.ts';
import { IngestPipeline, type CompiledSource } from '../ingest/pipeline.ts';
import { replayRisk } from '../ingest/replay-risk.ts';
import { RejectionLog } from '../ingest/rejection-log.ts';
import { LiveBus } from '../live/bus.ts';
import { FlowCounter } from '../live/flow-counter.ts';
import { LiveRelay } from '../live/relay.ts';
import { randomBytes } from 'node:crypto';
import { createLogger, type Logger } from '../observability/logger.ts';
import { Metrics } from '../observability/metrics.ts';
import { credentialHeaders, forwardRule } from '../providers/forwarded.ts';
import { findProvider } from '../providers/registry.ts';
import { RelayHub } from '../relay/hub.ts';
import { generateSecret } from '../signing/standard-webhooks.ts';
import { openStore } from './open-store.ts';
import type { Store } from '../store/store.ts';
import { parseStorageUrl, redactUrl } from '../store/url.ts';
import { roleParts, roleProblem, type Role } from './role.ts';
import { maintenance } from './maintenance.ts';
import type { JobStatus } from './periodic-runner.ts';
import { StorageUpkeep } from './storage-upkeep.ts';
import { warmUp } from './warm-up.ts';
import { BrokerSources } from '../sources/consumers.ts';

export interface Gateway {
  /** `http://host:port` the server listens on. */
  url: string;
  app: FastifyInstance;
  store: Store;
  sources: CompiledSource[];
  log: Logger;
  role: Role;
  /** Partitions ahead and retention; one of the periodic jobs (hourly). */
  upkeep: StorageUpkeep;
  /** The periodic jobs of this process and how their last runs went. */
  maintenance(): JobStatus[];
  /** Where `/metrics` answers (the main address unless `metrics.listen`). */
  metricsUrl: string;
  /** The delivery worker's lease owner id (`w_…`), when this role delivers. */
  workerOwner: string | undefined;
  /** Ingest decisions and attempt outcomes of this process, as they happen. */
  live: LiveBus;
  /** Writes the flow counters now (tests; otherwise every `flowFlushMs`). */
  flushCounters(): Promise<void>;
  /** Graceful stop: no new requests, in-flight deliveries finish or give back their leases, the store closes. */
  stop(): Promise<void>;
}

/** `metrics.listen`: `/metrics` alone on its own address (Prometheus' habit), so the API port need not expose it. */
async function listenMetrics(config: Config, metrics: Metrics, store: Store): Promise<{ app: FastifyInstance; url: string } | undefined> {
  if (config.metrics.listen === null) return undefined;
  const app = Fastify({ logger: false });
  securityHeaders(app, { noStore: false });
  metricsRoute(app, { metrics, store, token: config.metrics.token, failuresPerMinute: config.auth.failedAuthPerMinute });
  const url = await app.listen(config.metrics.listen);
  return { app, url: `${url}/metrics` };
}

/** Installs the keys that seal stored secrets; a key generated on this first start is said once. */
function useStoredSecretKeys(config: Config, log: Logger): { currentKeyId: string; portalKey: Buffer } {
  const source = { envKey: config.secretKey, file: config.secretKeyFile };
  const ring = loadKeyring(source);
  installKeys(ring.keys, () => reloadKeys(source));
  const current = ring.keys[ring.keys.length - 1] as { id: string };
  if (ring.generated) {
    log.warn(
      { file: config.secretKeyFile, keyId: current.id },
      'secrets: no SLUICE_SECRET_KEY set; generated a key into the data directory to seal stored secrets (back it up; every process sharing this database needs the same key)',
    );
  }
  return { currentKeyId: current.id, portalKey: portalTokenKey(ring) };
}

/** Opens the store, applies the config's applications, and starts serving and delivering. */
export async function startGateway(
  config: Config,
  log: Logger = createLogger(config.logLevel),
  opts: { role?: Role; spanExporter?: SpanExporter } = {},
): Promise<Gateway> {
  const role = opts.role ?? 'all';
  const target = parseStorageUrl(config.storageUrl);
  const roleRefused = target.kind === 'invalid' ? undefined : roleProblem(role, target.kind);
  if (roleRefused) throw new Error(roleRefused);
  const parts = roleParts(role);
  const keys = useStoredSecretKeys(config, log);
  const store = await openStore(config.storageUrl, {
    ...config.storage,
    onIdleError: (err) => log.warn({ err }, 'store: database connection lost; reconnecting'),
    onThreadFailure: (err) => log.error({ err }, 'store: the SQLite store thread ended; every store call fails until a restart'),
  });
  const upkeep = new StorageUpkeep(store, config, log);
  try {
    // Before the first request, so the current period's partitions exist when the first message arrives.
    await upkeep.pass();
    // Secrets stored before encryption, or under a key since rotated, are sealed under the current one.
    const resealed = await store.resealSecrets();
    if (resealed > 0) log.info({ endpoints: resealed, keyId: keys.currentKeyId }, 'secrets: endpoint secrets sealed under the current key');
    const appIds = new Map<string, string>();
    for (const app of Object.values(config.applications)) {
      appIds.set(app.uid, (await store.syncApplication(app, generateSecret)).id);
      const guard = new AddressGuard(policyFor(config, app, null));
      // Refused again at connect time, attempt by attempt; said once here so nobody waits for a dead letter to find out.
      app.endpoints.forEach((ep, i) => {
        if (endpointType(ep) !== 'http') return;
        const refused = guard.urlRefusal(ep.url);
        if (refused)
          log.warn(
            { key: `applications.${app.uid}.endpoints[${i}].url`, url: redactUrl(ep.url), reason: refused },
            'config: every delivery to this endpoint will be refused',
          );
      });
    }
    for (const source of Object.values(config.sources)) {
      const risk = replayRisk(source);
      if (risk) log.warn({ key: risk.key, reason: risk.problem }, 'config: requests of this source can be replayed');
    }
    const sources: CompiledSource[] = Object.values(config.sources).map((source) => {
      const provider = findProvider(source.provider);
      if (!provider) throw new Error(`unknown provider ${source.provider}`);
      return { config: source, provider: provider.create(source, source.options), appId: appIds.get(source.application) as string };
    });
    await compileStoredSchemas(
      (iterator) => store.listEventTypes({ limit: 250, includeArchived: false, ...(iterator ? { iterator } : {}) }),
      (name, problem) =>
        log.warn({ eventType: name, problem }, 'event types: a stored schema does not compile; its messages are stored unchecked'),
    );
    const metrics = new Metrics();
    const live = new LiveBus((err) => log.warn({ err }, 'live: a listener failed and was removed'));
    const processId = `p_${randomBytes(6).toString('hex')}`;
    const flow = new FlowCounter(live, store, processId, log);
    const relay = new LiveRelay(live, store, processId, log);
    const rejections = new RejectionLog(store, log);
    for (const s of sources) rejections.withhold(s.config.name, credentialHeaders(s.config));
    // The SDK is loaded only when tracing is on: off, it costs neither start-up time nor anything per request.
    const tracing =
      config.telemetry.otlpEndpoint || opts.spanExporter
        ? await (await import('../observability/tracing.ts')).startTracing(config.telemetry, opts.spanExporter)
        : undefined;
    // Without a worker here, other processes' workers hear of new work through the store (LISTEN/NOTIFY).
    // `sluice listen` sessions live where deliveries are made and the API is served: the socket and the sends meet in one process.
    const signers = new Map(sources.map((s) => [s.config.name, { rule: forwardRule(s.config), provider: s.provider }]));
    const relayHub = parts.worker && parts.api ? new RelayHub(log) : undefined;
    const attempts = new AttemptBus();
    const worker = parts.worker
      ? new DeliveryWorker(store, config, metrics, log, live, { ...(relayHub ? { relay: relayHub } : {}), attempts, signers }, tracing)
      : undefined;
    const pipeline = new IngestPipeline(
      new Map(sources.map((s) => [s.config.name, s])),
      store,
      config,
      metrics,
      log,
      () => worker?.wake(),
      { live, rejections, attempts },
      tracing,
    );
    // Consuming is ingesting: only a process with the ingest role takes messages from a broker source.
    const brokerSources = parts.ingest ? new BrokerSources(sources, config.brokers, pipeline, log, metrics) : undefined;
    const reconcile = new ReconcileScheduler(store, pipeline, sources, log);
    const alerts = new AlertEvaluator(
      store,
      config,
      sources.map((s) => ({ name: s.config.name, appId: s.appId })),
      metrics,
      log,
      () => reconcileFacts(store),
    );
    const bulkJobs = parts.worker ? new BulkJobRunner(store, config.bulkJobs, log, () => worker?.wake()) : undefined;
    const app = buildHttpApp({
      config,
      store,
      pipeline,
      sources,
      metrics,
      log,
      onQueued: () => worker?.wake(),
      onBulkJob: () => bulkJobs?.wake(),
      reconcile,
      parts,
      live,
      portalKey: keys.portalKey,
      ...(relayHub ? { relay: relayHub } : {}),
    });
    // The first second of traffic should not pay for what one warm-up pays once.
    await warmUp({ app, store, pipeline, sources, parts, poolSize: config.storage.poolSize, log });
    const address = await app.listen({ host: config.server.host, port: config.server.port });
    const metricsServer = await listenMetrics(config, metrics, store);
    const jobs = maintenance({ config, parts, upkeep, worker, flow, rejections, relay, relayHub, alerts, reconcile }, metrics, log);
    // Before the worker, so leases left by a dead process are taken back before its first lease pass.
    jobs.start();
    worker?.start();
    brokerSources?.start();
    relay.start();
    bulkJobs?.start();
    let stopping: Promise<void> | undefined;
    return {
      url: address,
      app,
      store,
      sources,
      log,
      role,
      upkeep,
      maintenance: () => jobs.status(),
      workerOwner: worker?.owner,
      metricsUrl: metricsServer?.url ?? `${address}/metrics`,
      live,
      flushCounters: () => Promise.all([flow.flush(), rejections.flush()]).then(() => undefined),
      stop() {
        stopping ??= (async () => {
          // Listeners are told first, so they reconnect to the next process instead of waiting on a closed one.
          relayHub?.close();
          relay.stop();
          // No periodic job runs against a process on its way down; the parts below flush what they hold.
          await jobs.stop();
          await app.close();
          await metricsServer?.app.close();
          await reconcile.stop();
          // Before the drain: messages in hand are committed, then acknowledged, while the store is still open.
          await brokerSources?.stop();
          await pipeline.drain();
          await bulkJobs?.stop();
          await alerts.stop();
          await worker?.stop(config.delivery.shutdownGraceMs);
          await flow.stop();
          await rejections.stop();
          await tracing?.shutdown().catch((err: unknown) => log.warn({ err }, 'telemetry: could not send the last spans'));
          await store.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
