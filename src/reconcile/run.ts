import type { CompiledSource, IngestPipeline } from '../ingest/pipeline.ts';
import { MISSING_IDS_KEPT, type ReconcileRun } from '../store/reconcile.ts';
import type { Store } from '../store/store.ts';
import type { ListedEvent, ProviderLister } from './provider.ts';

/** Most events one run looks at; a longer gap is finished by the next run. */
export const MAX_CHECKED = 10_000;

/**
 * One reconciliation run of a source: list what the provider sent in the
 * look-back, find the ids the source's dedupe keys do not hold, and ingest
 * each through the pipeline (or ask for a redelivery). Recorded from start to
 * end; a provider that keeps failing ends the run `failed` with its errors.
 */
export async function reconcileOnce(
  store: Store,
  pipeline: IngestPipeline,
  source: CompiledSource,
  lister: ProviderLister,
  now: number,
): Promise<ReconcileRun> {
  const config = source.config.reconcile;
  if (!config) throw new Error(`source ${source.config.name} has no reconcile: settings`);
  const run = await store.startReconcileRun(source.config.name, now);
  const events: ListedEvent[] = [];
  try {
    for await (const event of lister.list(now - config.lookbackMs)) {
      events.push(event);
      if (events.length >= MAX_CHECKED) break;
    }
  } catch (err) {
    run.errors.push(`listing failed: ${(err as Error).message}`);
    run.state = 'failed';
  }
  run.checked = events.length;
  const seen = await store.seenEventIds(
    `source:${source.config.name}`,
    events.map((e) => e.id),
    Date.now(),
  );
  const missing = events.filter((e) => !seen.has(e.id));
  run.missing = missing.length;
  run.missingIds = missing.slice(0, MISSING_IDS_KEPT).map((e) => e.id);
  for (const event of missing) {
    try {
      if (config.provider === 'github' && config.redeliver && event.redeliver) {
        await event.redeliver();
      } else {
        const { body, headers } = await event.fetch();
        const outcome = await pipeline.ingestReconciled(source, body, headers);
        if ('error' in outcome) throw outcome.error;
      }
      run.ingested++;
    } catch (err) {
      if (run.errors.length < 100) run.errors.push(`${event.id}: ${(err as Error).message}`);
    }
  }
  if (run.state === 'running') run.state = 'succeeded';
  run.finishedAt = Date.now();
  await store.finishReconcileRun(run);
  return run;
}
