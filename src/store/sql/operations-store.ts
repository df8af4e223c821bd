import type { AlertEvaluation, AlertEvent, AlertNotification, AlertState, EndpointAttemptStats, EndpointCondition } from '../alerts.ts';
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
import { finishReconcileRun, latestReconcileRuns, listReconcileRuns, seenEventIds, startReconcileRun } from './reconcile.ts';
import { SqlManagement } from './shared.ts';

/** The alerting and reconciliation rooms' store operations, written once; both stores inherit them. */
export abstract class SqlOperations extends SqlManagement {
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
