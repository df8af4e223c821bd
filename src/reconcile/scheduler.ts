import { defaults } from '../config/defaults.ts';
import type { CompiledSource, IngestPipeline } from '../ingest/pipeline.ts';
import type { Logger } from '../observability/logger.ts';
import { newId } from '../store/ids.ts';
import type { ReconcileRun } from '../store/reconcile.ts';
import type { Store } from '../store/store.ts';
import { githubLister } from './github.ts';
import type { ProviderLister } from './provider.ts';
import { reconcileOnce } from './run.ts';
import { stripeLister } from './stripe.ts';

/** How often the scheduler looks whether a source is due (a source's interval shorter than this does not matter). */
const TICK_MS = defaults.reconcileCheckMs;
/** After a failed run, the next one comes sooner than the interval, doubling from this. */
const FAILED_RETRY_MS = 30_000;

export function listerFor(source: CompiledSource): ProviderLister {
  const config = source.config.reconcile;
  if (config?.provider === 'stripe') return stripeLister(config);
  if (config?.provider === 'github') return githubLister(config);
  throw new Error(`source ${source.config.name} has no reconcile: settings`);
}

/**
 * Runs each reconciling source every `interval`, in one process per source
 * (a store lease `reconcile:<source>`, renewed while alive). Runs go beside
 * ingest on their own connections and HTTP clients, so a slow or failing
 * provider never holds a webhook up. `check` runs every few seconds
 * (src/gateway/maintenance.ts).
 */
export class ReconcileScheduler {
  readonly owner = newId('recw');
  private readonly running = new Map<string, Promise<ReconcileRun>>();
  private readonly failures = new Map<string, number>();
  private stopped = false;
  private readonly startedAt = Date.now();

  constructor(
    private readonly store: Store,
    private readonly pipeline: IngestPipeline,
    private readonly sources: CompiledSource[],
    private readonly log: Logger,
    private readonly lister: (source: CompiledSource) => ProviderLister = listerFor,
  ) {}

  get reconciling(): CompiledSource[] {
    return this.sources.filter((s) => s.config.reconcile !== undefined);
  }

  /** Waits for the runs under way and gives up the sources' leases (after the last check: the caller stops the checks first). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.running.values());
    for (const s of this.reconciling) await this.store.releaseLease(`reconcile:${s.config.name}`, this.owner).catch(() => undefined);
  }

  /** A run now (the API's trigger), unless one of this source is already under way here. */
  runNow(name: string): Promise<ReconcileRun> | 'unknown' | 'not-reconciling' | 'running' {
    const source = this.sources.find((s) => s.config.name === name);
    if (!source) return 'unknown';
    if (!source.config.reconcile) return 'not-reconciling';
    if (this.running.has(name)) return 'running';
    return this.begin(source);
  }

  private begin(source: CompiledSource): Promise<ReconcileRun> {
    const name = source.config.name;
    const run = reconcileOnce(this.store, this.pipeline, source, this.lister(source), Date.now())
      .then((r) => {
        this.failures.set(name, r.state === 'failed' ? (this.failures.get(name) ?? 0) + 1 : 0);
        const level = r.state === 'failed' || r.errors.length > 0 ? 'warn' : 'info';
        this.log[level](
          {
            source: name,
            run: r.id,
            state: r.state,
            checked: r.checked,
            missing: r.missing,
            ingested: r.ingested,
            errors: r.errors.slice(0, 5),
          },
          'reconcile: run finished',
        );
        return r;
      })
      .finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  /** Starts a run of each reconciling source that is due and whose lease this process holds (never throws). */
  async check(): Promise<void> {
    for (const source of this.reconciling) {
      const name = source.config.name;
      const config = source.config.reconcile;
      if (!config || this.stopped) continue;
      try {
        const now = Date.now();
        // Renewed while a run goes on, so a long run keeps its source to this process.
        if (!(await this.store.acquireLease(`reconcile:${name}`, this.owner, now, TICK_MS * 4))) continue;
        if (this.running.has(name)) continue;
        const [last] = (await this.store.listReconcileRuns({ source: name, limit: 1 })).data;
        const failures = this.failures.get(name) ?? (last?.state === 'failed' ? 1 : 0);
        const wait = failures > 0 ? Math.min(config.intervalMs, FAILED_RETRY_MS * 2 ** (failures - 1)) : config.intervalMs;
        // A source never reconciled waits one interval from this start: a new gateway would otherwise take a
        // whole look-back of events it never received for missing ones, and send that history to its endpoints.
        const from = last ? last.startedAt : this.startedAt;
        if (now - from >= wait)
          void this.begin(source).catch((err: unknown) => this.log.error({ err, source: name }, 'reconcile: run could not be recorded'));
      } catch (err) {
        this.log.error({ err, source: name }, 'reconcile: could not check whether a run is due; trying again');
      }
    }
  }
}
