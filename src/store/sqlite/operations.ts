import type { AlertEvaluation, AlertEvent, AlertNotification, AlertState, EndpointAttemptStats, EndpointCondition } from '../alerts.ts';
import type { BulkAction, BulkFilter, BulkJob } from '../bulk-jobs.ts';
import type { OperationsStore } from '../operations.ts';
import type { Page } from '../records.ts';
import type { ReconcileRun } from '../reconcile.ts';
import * as alerts from './alerts.ts';
import * as bulk from './bulk-jobs.ts';
import * as reconcile from './reconcile.ts';
import { SqliteConsole } from './console.ts';

/** The operations rooms' store calls on SQLite (`OperationsStore`); `SqliteStore` extends it. */
export abstract class SqliteOperations extends SqliteConsole implements OperationsStore {
  async countBulkTargets(filter: BulkFilter): Promise<number> {
    return bulk.countBulkTargets(this.db, filter);
  }
  async createBulkJob(input: { action: BulkAction; filter: BulkFilter; total: number; requestedBy: string | null }, now: number): Promise<BulkJob> {
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
  async acquireLease(name: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
    return alerts.acquireLease(this.db, name, owner, now, ttlMs);
  }
  async releaseLease(name: string, owner: string): Promise<void> {
    alerts.releaseLease(this.db, name, owner);
  }
  async listAlertStates(): Promise<AlertState[]> {
    return alerts.listAlertStates(this.db);
  }
  async recordAlertEvaluation(lease: string, owner: string, evaluation: AlertEvaluation, now: number): Promise<{ written: boolean; eventIds: string[] }> {
    return alerts.recordAlertEvaluation(this.db, lease, owner, evaluation, now);
  }
  async listAlertEvents(query: { limit: number; iterator?: string }): Promise<Page<AlertEvent>> {
    return alerts.listAlertEvents(this.db, query);
  }
  async notificationsOf(eventIds: string[]): Promise<AlertNotification[]> {
    return alerts.notificationsOf(this.db, eventIds);
  }
  async dueAlertNotifications(now: number, limit: number): Promise<Array<{ notification: AlertNotification; event: AlertEvent }>> {
    return alerts.dueAlertNotifications(this.db, now, limit);
  }
  async finishAlertNotification(id: string, outcome: { sent: true } | { sent: false; error: string; retryAt: number | null }, now: number): Promise<void> {
    alerts.finishAlertNotification(this.db, id, outcome, now);
  }
  async nextAlertNotificationAt(): Promise<number | null> {
    return alerts.nextAlertNotificationAt(this.db);
  }
  async endpointAttemptStats(since: number): Promise<EndpointAttemptStats[]> {
    return alerts.endpointAttemptStats(this.db, since);
  }
  async endpointConditions(): Promise<EndpointCondition[]> {
    return alerts.endpointConditions(this.db);
  }
  async sourceActivity(source: string, since: number): Promise<{ count: number; lastAt: number | null }> {
    return alerts.sourceActivity(this.db, source, since);
  }
  async seenEventIds(scope: string, eventIds: string[], now: number): Promise<Set<string>> {
    return reconcile.seenEventIds(this.db, scope, eventIds, now);
  }
  async startReconcileRun(source: string, now: number): Promise<ReconcileRun> {
    return reconcile.startReconcileRun(this.db, source, now);
  }
  async finishReconcileRun(run: ReconcileRun): Promise<void> {
    reconcile.finishReconcileRun(this.db, run);
  }
  async listReconcileRuns(query: { source?: string; limit: number; iterator?: string }): Promise<Page<ReconcileRun>> {
    return reconcile.listReconcileRuns(this.db, query);
  }
  async latestReconcileRuns(): Promise<ReconcileRun[]> {
    return reconcile.latestReconcileRuns(this.db);
  }
}
