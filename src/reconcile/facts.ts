import type { Facts } from '../alerts/rules.ts';
import type { Store } from '../store/store.ts';

/** The last finished run of each source, as the reconciliation-gap rule reads it. */
export async function reconcileFacts(store: Store): Promise<Facts['reconcile']> {
  return new Map(
    (await store.latestReconcileRuns()).map((r) => [
      r.source,
      { runId: r.id, missing: r.missing, ids: r.missingIds, finishedAt: r.finishedAt ?? r.startedAt },
    ]),
  );
}
