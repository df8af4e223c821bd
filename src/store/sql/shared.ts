import type { Created, EventType, EventTypeInput, IdempotencyClaim, ListQuery } from '../outbound.ts';
import type { ApplicationConfig } from '../../config/types.ts';
import type { Application, Endpoint, Page, Transformation } from '../records.ts';
import { getApplication, getEndpoint, listEndpoints, syncApplication } from './applications.ts';
import type { SourceTransformation } from '../transformations.ts';
import { createEventType, deleteEventType, getEventType, listEventTypes, updateEventType } from './event-types.ts';
import { claimIdempotency, completeIdempotency, purgeIdempotency, releaseIdempotency } from './idempotency.ts';
import type { Op } from './op.ts';
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
export abstract class SharedOperations {
  protected abstract drive<T>(op: Op<T>, mode: DriveMode): Promise<T>;

  async syncApplication(app: ApplicationConfig, generateSecret: () => string): Promise<Application> {
    return this.drive(syncApplication(app, generateSecret, Date.now()), 'durable');
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
}
