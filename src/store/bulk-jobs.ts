import type { DeliveryState, Page } from './records.ts';

export type BulkAction = 'retry' | 'replay';
export type BulkJobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Which deliveries a bulk job touches, resolved to ids; every field narrows. */
export interface BulkFilter {
  /** `null`: every application (only an unscoped token may ask for that). */
  appId: string | null;
  endpointId: string | null;
  /** Delivery states to touch (never empty). */
  status: DeliveryState[];
  eventTypes: string[] | null;
  source: string | null;
  /** Deliveries created in [since, until). */
  since: number | null;
  until: number;
}

/** What a finished (or cancelled) job did. */
export interface BulkReport {
  /** Deliveries queued for one more attempt. */
  queued: number;
  /** Why the others were not: `payload_purged`, `state_changed` (it moved on between the read and the write). */
  notQueued: Record<string, number>;
  /** The first deliveries that were not queued. */
  failedIds: string[];
  /** Why the job failed, when it did. */
  error?: string;
}

export interface BulkJob {
  id: string;
  action: BulkAction;
  filter: BulkFilter;
  state: BulkJobState;
  /** The estimate when the job was made; set to what was handled once it finishes. */
  total: number;
  /** Deliveries queued so far. */
  done: number;
  /** Deliveries matched but not queued. */
  failed: number;
  report: BulkReport;
  /** Who asked (token name or portal session), for the audit trail. */
  requestedBy: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export const FAILED_IDS_KEPT = 100;

/** Bulk recovery jobs: counted, stored, claimed by one worker at a time, run in batches. */
export interface BulkJobStore {
  /** How many deliveries the filter matches now. */
  countBulkTargets(filter: BulkFilter): Promise<number>;
  createBulkJob(
    input: { action: BulkAction; filter: BulkFilter; total: number; requestedBy: string | null },
    now: number,
  ): Promise<BulkJob>;
  getBulkJob(id: string): Promise<BulkJob | null>;
  /** Newest first; `appIds` narrows to jobs of those applications (a scoped caller), `null` lists all. */
  listBulkJobs(query: { appIds: string[] | null; limit: number; iterator?: string }): Promise<Page<BulkJob>>;
  /** Cancels a queued or running job; returns it as it is now (unchanged when it had finished), or `null`. */
  cancelBulkJob(id: string, now: number): Promise<BulkJob | null>;
  /** Takes an open job nobody holds (or whose holder's lease expired), for `leaseMs`. */
  claimBulkJob(owner: string, now: number, leaseMs: number): Promise<BulkJob | null>;
  /**
   * Handles the next `limit` matching deliveries after the job's cursor, in one
   * transaction with the job's progress, if `owner` still holds a running job;
   * finishes the job when fewer remain. Returns the job as it is now, or
   * `null` when it is gone or another owner holds it.
   */
  runBulkBatch(id: string, owner: string, limit: number, now: number, leaseMs: number): Promise<BulkJob | null>;
  /** Ends a job that cannot go on (its holder records why). */
  failBulkJob(id: string, owner: string, error: string, now: number): Promise<void>;
}
