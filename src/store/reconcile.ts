import type { Page } from './records.ts';

/** One comparison of a source with its provider's own list of events. */
export interface ReconcileRun {
  id: string;
  source: string;
  startedAt: number;
  finishedAt: number | null;
  /** Events the provider listed in the look-back. */
  checked: number;
  /** Of those, the ones Sluice had not received. */
  missing: number;
  /** Of those, the ones ingested now (or redelivered, by option). */
  ingested: number;
  missingIds: string[];
  errors: string[];
  state: 'running' | 'succeeded' | 'failed';
}

export const MISSING_IDS_KEPT = 500;

export interface ReconcileStore {
  /** Which of `eventIds` are remembered under `scope` (the dedupe window), i.e. were received. */
  seenEventIds(scope: string, eventIds: string[], now: number): Promise<Set<string>>;
  startReconcileRun(source: string, now: number): Promise<ReconcileRun>;
  finishReconcileRun(run: ReconcileRun): Promise<void>;
  /** Newest first; `source` narrows to one. */
  listReconcileRuns(query: { source?: string; limit: number; iterator?: string }): Promise<Page<ReconcileRun>>;
  /** The last finished run of each source. */
  latestReconcileRuns(): Promise<ReconcileRun[]>;
}
