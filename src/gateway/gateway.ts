import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/types.ts';
import { AttemptBus } from '../delivery/attempt-bus.ts';
import { endpointType } from '../delivery/endpoint-type.ts';
import { AddressGuard } from '../delivery/ssrf.ts';
import { DeliveryWorker } from '../delivery/worker.ts';
import { buildHttpApp } from '../http/app.ts';
import { IngestPipeline, type CompiledSource } from '../ingest/pipeline.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { Metrics } from '../observability/metrics.ts';
import { findProvider } from '../providers/registry.ts';
import { RelayHub } from '../relay/hub.ts';
import { generateSecret } from '../signing/standard-webhooks.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import { parseStorageUrl } from '../store/url.ts';
import { roleParts, roleProblem, type Role } from './role.ts';
import { StorageUpkeep } from './storage-upkeep.ts';

export interface Gateway {
  /** `http://host:port` the server listens on. */
  url: string;
  app: FastifyInstance;
  store: Store;
  sources: CompiledSource[];
  log: Logger;
  role: Role;
  /** Partitions ahead and retention; runs hourly by itself. */
  upkeep: StorageUpkeep;
  /** The delivery worker's lease owner id (`w_…`), when this role delivers. */
  workerOwner: string | undefined;
  /** Graceful stop: no new requests, in-flight deliveries finish or give back their leases, the store closes. */
  stop(): Promise<void>;
}

/** Opens the store, applies the config's applications, and starts serving and delivering. */
export async function startGateway(config: Config, log: Logger = createLogger(config.logLevel), opts: { role?: Role } = {}): Promise<Gateway> {
  const role = opts.role ?? 'all';
  const target = parseStorageUrl(config.storageUrl);
  const roleRefused = target.kind === 'invalid' ? undefined : roleProblem(role, target.kind);
  if (roleRefused) throw new Error(roleRefused);
  const parts = roleParts(role);
  const store = await openStore(config.storageUrl, {
    ...config.storage,
    onIdleError: (err) => log.warn({ err }, 'store: database connection lost; reconnecting'),
  });
  const upkeep = new StorageUpkeep(store, config, log);
  try {
    // Before the first request, so the current period's partitions exist when the first message arrives.
    await upkeep.start();
    const appIds = new Map<string, string>();
    const guard = new AddressGuard(config.network);
    for (const app of Object.values(config.applications)) {
      appIds.set(app.uid, (await store.syncApplication(app, generateSecret)).id);
      // Refused again at connect time, attempt by attempt; said once here so nobody waits for a dead letter to find out.
      app.endpoints.forEach((ep, i) => {
        if (endpointType(ep) !== 'http') return;
        const refused = guard.urlRefusal(ep.url);
        if (refused) log.warn({ key: `applications.${app.uid}.endpoints[${i}].url`, url: ep.url, reason: refused }, 'config: every delivery to this endpoint will be refused');
      });
    }
    const sources: CompiledSource[] = Object.values(config.sources).map((source) => {
      const provider = findProvider(source.provider);
      if (!provider) throw new Error(`unknown provider ${source.provider}`);
      return { config: source, provider: provider.create(source, source.options), appId: appIds.get(source.application) as string };
    });
    const metrics = new Metrics();
    // Without a worker here, other processes' workers hear of new work through the store (LISTEN/NOTIFY).
    // `sluice listen` sessions live where deliveries are made and the API is served: the socket and the sends meet in one process.
    const relay = parts.worker && parts.api ? new RelayHub(log) : undefined;
    const attempts = new AttemptBus();
    const worker = parts.worker ? new DeliveryWorker(store, config, metrics, log, { ...(relay ? { relay } : {}), attempts }) : undefined;
    const pipeline = new IngestPipeline(new Map(sources.map((s) => [s.config.name, s])), store, config, metrics, log, () => worker?.wake(), attempts);
    const app = buildHttpApp({ config, store, pipeline, sources, metrics, log, onQueued: () => worker?.wake(), parts, ...(relay ? { relay } : {}) });
    const address = await app.listen({ host: config.server.host, port: config.server.port });
    worker?.start();
    let stopping: Promise<void> | undefined;
    return {
      url: address,
      app,
      store,
      sources,
      log,
      role,
      upkeep,
      workerOwner: worker?.owner,
      stop() {
        stopping ??= (async () => {
          // Listeners are told first, so they reconnect to the next process instead of waiting on a closed one.
          relay?.close();
          await app.close();
          await pipeline.drain();
          await worker?.stop(config.delivery.shutdownGraceMs);
          await upkeep.stop();
          await store.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await upkeep.stop();
    await store.close();
    throw err;
  }
}
