import type {
  ApplicationInput,
  Created,
  EndpointInput,
  EndpointStats,
  EventType,
  EventTypeInput,
  IdempotencyClaim,
  ListQuery,
} from '../management.ts';
import type { SyncedApplication } from '../endpoint-sync.ts';
import { healthyEndpoint, type HealthChange, type HealthPolicy } from '../health.ts';
import type { StoreRules } from '../rules.ts';
import type { Application, Endpoint, Page, Transformation } from '../records.ts';
import { getApplication, getEndpoint, listEndpoints, syncApplication } from './applications.ts';
import type { PortalGrant, PortalRevocation, PortalSettings } from '../portal.ts';
import type { AuditEntry, AuditQuery, NetworkPolicyRecord } from '../security.ts';
import type { SourceTransformation } from '../transformations.ts';
import { countOutcome, getHealth, nextUnblockAt } from './endpoint-health.ts';
import { createEventType, deleteEventType, getEventType, listEventTypes, updateEventType } from './event-types.ts';
import { claimIdempotency, completeIdempotency, purgeIdempotency, releaseIdempotency } from './idempotency.ts';
import {
  createApplication,
  createEndpoint,
  deleteApplication,
  deleteEndpoint,
  endpointStats,
  ingestForEndpoint,
  listApplications,
  listEndpointPage,
  recoverEndpoint,
  updateApplication,
  updateEndpoint,
} from './management.ts';
import type { Op } from './op.ts';
import {
  createPortalGrant,
  getPortalGrant,
  getPortalSettings,
  removePortalGrantsBefore,
  revokePortalGrant,
  revokePortalGrants,
  setPortalSettings,
  usePortalKey,
} from './portal.ts';
import { getNetworkPolicy, insertAudit, listAudit, removeAuditBefore, resealSecrets, setNetworkPolicy } from './security.ts';
import { getSourceTransformation, setEndpointTransformation, setSourceTransformation } from './transformations.ts';

/**
 * How an operation's statements run: `each` on their own, each committing by
 * itself (reads, and writes whose statements are safe one by one); `atomic` in
 * one transaction; `durable` in one transaction whose commit is flushed to disk
 * before the operation resolves (what an API 2xx promises).
 */
export type DriveMode = 'each' | 'atomic' | 'durable';

/**
 * The store operations written once (src/store/sql/), as methods both stores
 * inherit. A dialect supplies only `drive`: how it runs an operation's
 * statements (synchronously on the SQLite connection, or on a PostgreSQL
 * connection); what differs for real (leasing, batch ingest, partitions,
 * notification) stays in the dialect folders.
 */
export abstract class SqlManagement {
  /** The domain's rules, given when the store is opened (see `StoreRules`). */
  protected abstract readonly rules: StoreRules;

  protected abstract drive<T>(op: Op<T>, mode: DriveMode): Promise<T>;

  async syncApplication(app: SyncedApplication, generateSecret: () => string): Promise<Application> {
    return this.drive(syncApplication(app, this.rules.endpointDefaults, generateSecret, Date.now()), 'durable');
  }
  async getApplication(idOrUid: string): Promise<Application | null> {
    return this.drive(getApplication(idOrUid), 'each');
  }
  async listEndpoints(appId: string): Promise<Endpoint[]> {
    return this.drive(listEndpoints(appId), 'each');
  }
  async getEndpoint(appId: string, idOrUid: string): Promise<Endpoint | null> {
    return this.drive(getEndpoint(appId, idOrUid), 'each');
  }

  async createApplication(input: ApplicationInput, now: number): Promise<Created<Application>> {
    return this.drive(createApplication(input, now), 'durable');
  }
  async listApplications(query: ListQuery): Promise<Page<Application>> {
    return this.drive(listApplications(query), 'each');
  }
  async updateApplication(id: string, input: ApplicationInput, now: number): Promise<Created<Application> | null> {
    return this.drive(updateApplication(id, input, now), 'durable');
  }
  async deleteApplication(id: string): Promise<boolean> {
    return this.drive(deleteApplication(id), 'durable');
  }
  async listEndpointPage(appId: string, query: ListQuery): Promise<Page<Endpoint>> {
    return this.drive(listEndpointPage(appId, query), 'each');
  }
  async createEndpoint(appId: string, input: EndpointInput, now: number): Promise<Created<Endpoint>> {
    return this.drive(createEndpoint(appId, input, this.rules.endpointDefaults.providerSignature, now), 'durable');
  }
  async updateEndpoint(appId: string, id: string, input: EndpointInput, now: number): Promise<Created<Endpoint> | null> {
    return this.drive(updateEndpoint(appId, id, input, now), 'durable');
  }
  async deleteEndpoint(appId: string, id: string): Promise<boolean> {
    return this.drive(deleteEndpoint(appId, id), 'durable');
  }
  async endpointStats(appId: string, endpointId: string): Promise<EndpointStats> {
    return this.drive(endpointStats(appId, endpointId), 'each');
  }
  async recoverEndpoint(appId: string, endpointId: string, since: number, until: number, now: number): Promise<number> {
    return this.drive(recoverEndpoint(appId, endpointId, since, until, now), 'durable');
  }
  async ingestForEndpoint(appId: string, endpointId: string, eventType: string, payload: Buffer, now: number): Promise<string> {
    return this.drive(ingestForEndpoint(appId, endpointId, eventType, payload, now), 'durable');
  }

  async createEventType(input: EventTypeInput, now: number): Promise<Created<EventType>> {
    return this.drive(createEventType(input, now), 'durable');
  }
  async getEventType(name: string): Promise<EventType | null> {
    return this.drive(getEventType(name), 'each');
  }
  async listEventTypes(query: ListQuery & { includeArchived: boolean }): Promise<Page<EventType>> {
    return this.drive(listEventTypes(query), 'each');
  }
  async updateEventType(input: EventTypeInput, now: number): Promise<EventType | null> {
    return this.drive(updateEventType(input, now), 'durable');
  }
  async deleteEventType(name: string): Promise<boolean> {
    return this.drive(deleteEventType(name), 'durable');
  }

  async claimIdempotency(scope: string, key: string, request: string, now: number, expiresAt: number): Promise<IdempotencyClaim> {
    return this.drive(claimIdempotency(scope, key, request, now, expiresAt), 'atomic');
  }
  async completeIdempotency(scope: string, key: string, status: number, body: string): Promise<void> {
    return this.drive(completeIdempotency(scope, key, status, body), 'each');
  }
  async releaseIdempotency(scope: string, key: string): Promise<void> {
    return this.drive(releaseIdempotency(scope, key), 'each');
  }
  async purgeIdempotency(now: number): Promise<number> {
    return this.drive(purgeIdempotency(now), 'each');
  }

  async setEndpointTransformation(appId: string, endpointId: string, transformation: Transformation | null, now: number): Promise<boolean> {
    return this.drive(setEndpointTransformation(appId, endpointId, transformation, now), 'durable');
  }
  async getSourceTransformation(source: string): Promise<SourceTransformation | null> {
    return this.drive(getSourceTransformation(source), 'each');
  }
  async setSourceTransformation(source: string, transformation: Transformation | null, now: number): Promise<void> {
    return this.drive(setSourceTransformation(source, transformation, now), 'durable');
  }

  async insertAudit(entries: AuditEntry[]): Promise<void> {
    return this.drive(insertAudit(entries), 'atomic');
  }
  async listAudit(query: AuditQuery): Promise<Page<AuditEntry>> {
    return this.drive(listAudit(query), 'each');
  }
  async removeAuditBefore(before: number): Promise<number> {
    return this.drive(removeAuditBefore(before), 'each');
  }
  async getNetworkPolicy(appId: string): Promise<NetworkPolicyRecord | null> {
    return this.drive(getNetworkPolicy(appId), 'each');
  }
  async setNetworkPolicy(appId: string, policy: NetworkPolicyRecord | null, now: number): Promise<void> {
    return this.drive(setNetworkPolicy(appId, policy, now), 'durable');
  }
  async resealSecrets(): Promise<number> {
    return this.drive(resealSecrets(), 'each');
  }

  async createPortalGrant(grant: PortalGrant): Promise<void> {
    return this.drive(createPortalGrant(grant), 'durable');
  }
  async getPortalGrant(id: string): Promise<PortalGrant | null> {
    return this.drive(getPortalGrant(id), 'each');
  }
  async usePortalKey(keyHash: string, now: number): Promise<{ grant: PortalGrant; firstUse: boolean } | null> {
    return this.drive(usePortalKey(keyHash, now), 'durable');
  }
  async revokePortalGrant(id: string, now: number): Promise<boolean> {
    return this.drive(revokePortalGrant(id, now), 'durable');
  }
  async revokePortalGrants(appId: string, now: number, opts?: PortalRevocation): Promise<number> {
    return this.drive(revokePortalGrants(appId, now, opts), 'durable');
  }
  async removePortalGrantsBefore(before: number): Promise<number> {
    return this.drive(removePortalGrantsBefore(before), 'each');
  }
  async getPortalSettings(appId: string): Promise<PortalSettings | null> {
    return this.drive(getPortalSettings(appId), 'each');
  }
  async setPortalSettings(appId: string, settings: PortalSettings): Promise<void> {
    return this.drive(setPortalSettings(appId, settings), 'durable');
  }

  /** The common case, a success of a healthy endpoint, writes nothing; anything else is counted under the row's lock. */
  async recordEndpointHealth(endpointId: string, ok: boolean, now: number, policy: HealthPolicy): Promise<HealthChange> {
    const stored = await this.drive(getHealth(endpointId), 'each');
    if (this.rules.isRoutine(stored ?? healthyEndpoint(), ok, now, policy)) return { opened: false, closed: false, disable: false };
    return this.drive(countOutcome(this.rules, endpointId, ok, now, policy), 'atomic');
  }
  async nextUnblockAt(now: number): Promise<number | null> {
    return this.drive(nextUnblockAt(now), 'each');
  }
}
