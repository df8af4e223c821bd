import type { AlertEvaluation, AlertEvent, AlertNotification, AlertState, EndpointAttemptStats, EndpointCondition } from '../alerts.ts';
import type { BulkAction, BulkFilter, BulkJob } from '../bulk-jobs.ts';
import type { Page } from '../records.ts';
import type { ReconcileRun } from '../reconcile.ts';
import {
  acquireLease,
  dueAlertNotifications,
  endpointAttemptStats,
  endpointConditions,
  finishAlertNotification,
  listAlertEvents,
  listAlertStates,
  nextAlertNotificationAt,
  notificationsOf,
  recordAlertEvaluation,
  releaseLease,
  sourceActivity,
} from './alerts.ts';
import {
  cancelBulkJob,
  claimBulkJob,
  countBulkTargets,
  createBulkJob,
  failBulkJob,
  getBulkJob,
  listBulkJobs,
  runBulkBatch,
} from './bulk-jobs.ts';
import type { SqlDialect } from './dialect.ts';
import { finishReconcileRun, latestReconcileRuns, listReconcileRuns, seenEventIds, startReconcileRun } from './reconcile.ts';
import { SqlManagement } from './shared.ts';

/**
 * The operations rooms' store calls (alerts, reconciliation, bulk jobs),
 * written once; both stores inherit them.
 */
export abstract class SqlOperations extends SqlManagement {
  protected abstract readonly dialect: SqlDialect;

  async claimBulkJob(owner: string, now: number, leaseMs: number): Promise<BulkJob | null> {
    return this.drive(claimBulkJob(this.dialect, owner, now, leaseMs), 'each');
  }
  async runBulkBatch(id: string, owner: string, limit: number, now: number, leaseMs: number): Promise<BulkJob | null> {
    return this.drive(runBulkBatch(this.dialect, id, owner, limit, now, leaseMs), 'atomic');
  }
  async countBulkTargets(filter: BulkFilter): Promise<number> {
    return this.drive(countBulkTargets(filter), 'each');
  }
  async createBulkJob(
    input: { action: BulkAction; filter: BulkFilter; total: number; requestedBy: string | null },
    now: number,
  ): Promise<BulkJob> {
    return this.drive(createBulkJob(input, now), 'atomic');
  }
  async getBulkJob(id: string): Promise<BulkJob | null> {
    return this.drive(getBulkJob(id), 'each');
  }
  async listBulkJobs(query: { appIds: string[] | null; limit: number; iterator?: string }): Promise<Page<BulkJob>> {
    return this.drive(listBulkJobs(query), 'each');
  }
  async cancelBulkJob(id: string, now: number): Promise<BulkJob | null> {
    return this.drive(cancelBulkJob(id, now), 'atomic');
  }
  async failBulkJob(id: string, owner: string, error: string, now: number): Promise<void> {
    return this.drive(failBulkJob(id, owner, error, now), 'atomic');
  }

  async acquireLease(name: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
    return this.drive(acquireLease(name, owner, now, ttlMs), 'each');
  }
  async releaseLease(name: string, owner: string): Promise<void> {
    return this.drive(releaseLease(name, owner), 'each');
  }
  async listAlertStates(): Promise<AlertState[]> {
    return this.drive(listAlertStates(), 'each');
  }
  async recordAlertEvaluation(
    lease: string,
    owner: string,
    evaluation: AlertEvaluation,
    now: number,
  ): Promise<{ written: boolean; eventIds: string[] }> {
    return this.drive(recordAlertEvaluation(lease, owner, evaluation, now), 'atomic');
  }
  async listAlertEvents(query: { limit: number; iterator?: string }): Promise<Page<AlertEvent>> {
    return this.drive(listAlertEvents(query), 'each');
  }
  async notificationsOf(eventIds: string[]): Promise<AlertNotification[]> {
    return this.drive(notificationsOf(eventIds), 'each');
  }
  async dueAlertNotifications(now: number, limit: number): Promise<Array<{ notification: AlertNotification; event: AlertEvent }>> {
    return this.drive(dueAlertNotifications(now, limit), 'each');
  }
  async finishAlertNotification(
    id: string,
    outcome: { sent: true } | { sent: false; error: string; retryAt: number | null },
    now: number,
  ): Promise<void> {
    return this.drive(finishAlertNotification(id, outcome, now), 'each');
  }
  async nextAlertNotificationAt(): Promise<number | null> {
    return this.drive(nextAlertNotificationAt(), 'each');
  }
  async endpointAttemptStats(since: number): Promise<EndpointAttemptStats[]> {
    return this.drive(endpointAttemptStats(since), 'each');
  }
  async endpointConditions(): Promise<EndpointCondition[]> {
    return this.drive(endpointConditions(), 'each');
  }
  async sourceActivity(source: string, since: number): Promise<{ count: number; lastAt: number | null }> {
    return this.drive(sourceActivity(source, since), 'each');
  }
  async seenEventIds(scope: string, eventIds: string[], now: number): Promise<Set<string>> {
    return this.drive(seenEventIds(scope, eventIds, now), 'each');
  }
  async startReconcileRun(source: string, now: number): Promise<ReconcileRun> {
    return this.drive(startReconcileRun(source, now), 'each');
  }
  async finishReconcileRun(run: ReconcileRun): Promise<void> {
    return this.drive(finishReconcileRun(run), 'each');
  }
  async listReconcileRuns(query: { source?: string; limit: number; iterator?: string }): Promise<Page<ReconcileRun>> {
    return this.drive(listReconcileRuns(query), 'each');
  }
  async latestReconcileRuns(): Promise<ReconcileRun[]> {
    return this.drive(latestReconcileRuns(), 'each');
  }
}
