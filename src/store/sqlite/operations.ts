import type { BulkAction, BulkFilter, BulkJob } from '../bulk-jobs.ts';
import type { OperationsStore } from '../operations.ts';
import type { Page } from '../records.ts';
import * as bulk from './bulk-jobs.ts';
import { SqliteConsole } from './console.ts';

/** The operations rooms' store calls on SQLite (`OperationsStore`); `SqliteStore` extends it. */
export abstract class SqliteOperations extends SqliteConsole implements OperationsStore {
  async countBulkTargets(filter: BulkFilter): Promise<number> {
    return bulk.countBulkTargets(this.db, filter);
  }
  async createBulkJob(
    input: { action: BulkAction; filter: BulkFilter; total: number; requestedBy: string | null },
    now: number,
  ): Promise<BulkJob> {
    return bulk.createBulkJob(this.db, input, now);
  }
  async getBulkJob(id: string): Promise<BulkJob | null> {
    return bulk.getBulkJob(this.db, id);
  }
  async listBulkJobs(query: { appIds: string[] | null; limit: number; iterator?: string }): Promise<Page<BulkJob>> {
    return bulk.listBulkJobs(this.db, query);
  }
  async cancelBulkJob(id: string, now: number): Promise<BulkJob | null> {
    return bulk.cancelBulkJob(this.db, id, now);
  }
  async claimBulkJob(owner: string, now: number, leaseMs: number): Promise<BulkJob | null> {
    return bulk.claimBulkJob(this.db, owner, now, leaseMs);
  }
  async runBulkBatch(id: string, owner: string, limit: number, now: number, leaseMs: number): Promise<BulkJob | null> {
    return bulk.runBulkBatch(this.db, id, owner, limit, now, leaseMs);
  }
  async failBulkJob(id: string, owner: string, error: string, now: number): Promise<void> {
    bulk.failBulkJob(this.db, id, owner, error, now);
  }
}
