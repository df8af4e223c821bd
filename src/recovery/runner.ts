import type { Logger } from '../observability/logger.ts';
import type { BulkJob } from '../store/bulk-jobs.ts';
import { newId } from '../store/ids.ts';
import type { Store } from '../store/store.ts';

export interface BulkRunnerOptions {
  batchSize: number;
  /** Pause between two batches of one job, so a large job shares the database with live traffic. */
  batchPauseMs: number;
  pollIntervalMs: number;
  leaseMs: number;
}

/**
 * Runs bulk recovery jobs in the worker role: claims one open job at a time
 * (a lease, so on PostgreSQL one process runs each job), then handles it in
 * batches, each one transaction with the job's progress, until it finishes or
 * is cancelled. A job whose process died is taken over when its lease expires
 * and carries on from its cursor.
 */
export class BulkJobRunner {
  readonly owner = newId('bulkw');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly options: BulkRunnerOptions,
    private readonly log: Logger,
    /** Deliveries became due: wake the delivery worker. */
    private readonly onQueued: () => void,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** A job was just created in this process. */
  wake(): void {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let worked = false;
    try {
      const job = await this.store.claimBulkJob(this.owner, Date.now(), this.options.leaseMs);
      if (job) {
        worked = true;
        await this.run(job);
      }
    } catch (err) {
      this.log.error({ err }, 'bulk jobs: could not claim or run a job; trying again');
    }
    if (!this.stopped) this.schedule(worked ? 0 : this.options.pollIntervalMs);
  }

  private async run(claimed: BulkJob): Promise<void> {
    let job: BulkJob | null = claimed;
    this.log.info({ job: job.id, action: job.action, total: job.total }, 'bulk job: started');
    while (job && job.state === 'running' && !this.stopped) {
      const before = job.done;
      try {
        job = await this.store.runBulkBatch(job.id, this.owner, this.options.batchSize, Date.now(), this.options.leaseMs);
      } catch (err) {
        // A transient database error: the lease lapses and this or another worker carries on from the cursor.
        this.log.error({ err, job: claimed.id }, 'bulk job: batch failed; it will be taken up again');
        return;
      }
      if (job && job.done > before) this.onQueued();
      if (job?.state === 'running' && this.options.batchPauseMs > 0) await new Promise((r) => setTimeout(r, this.options.batchPauseMs));
    }
    if (job && job.state !== 'running')
      this.log.info({ job: job.id, state: job.state, done: job.done, failed: job.failed }, 'bulk job: ended');
  }
}
