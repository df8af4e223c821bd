import type { Application, Endpoint, Page } from '../records.ts';
import type {
  ApplicationInput, Created, EndpointInput, EndpointStats, HealthChange, HealthPolicy, 
  ListQuery, OutboundStore,
} from '../outbound.ts';
import type { PgDb } from './db.ts';
import { nextUnblockAt, recordEndpointHealth } from './endpoint-health.ts';
import {
  createApplication, createEndpoint, deleteApplication, deleteEndpoint, endpointStats, ingestForEndpoint, listApplications,
  listEndpointPage, recoverEndpoint, updateApplication, updateEndpoint,
} from './management.ts';
import { deleteMessageContent, purgePayloads, setPayloadExpiry } from './retention.ts';
import { drivePostgres } from './drive.ts';
import type { Op } from '../sql/op.ts';
import { type DriveMode, SharedOperations } from '../sql/shared.ts';

/** The outbound operations of the PostgreSQL store (`OutboundStore`); `PostgresStore` extends it. */
export abstract class PgOutbound extends SharedOperations implements OutboundStore {
  constructor(protected readonly db: PgDb) {
    super();
  }

  protected drive<T>(op: Op<T>, mode: DriveMode): Promise<T> {
    return drivePostgres(this.db, op, mode);
  }

  async createApplication(input: ApplicationInput, now: number): Promise<Created<Application>> {
    return createApplication(this.db, input, now);
  }
  async listApplications(query: ListQuery): Promise<Page<Application>> {
    return listApplications(this.db, query);
  }
  async updateApplication(id: string, input: ApplicationInput, now: number): Promise<Created<Application> | null> {
    return updateApplication(this.db, id, input, now);
  }
  async deleteApplication(id: string): Promise<boolean> {
    return deleteApplication(this.db, id);
  }
  async listEndpointPage(appId: string, query: ListQuery): Promise<Page<Endpoint>> {
    return listEndpointPage(this.db, appId, query);
  }
  async createEndpoint(appId: string, input: EndpointInput, now: number): Promise<Created<Endpoint>> {
    return createEndpoint(this.db, appId, input, now);
  }
  async updateEndpoint(appId: string, id: string, input: EndpointInput, now: number): Promise<Created<Endpoint> | null> {
    return updateEndpoint(this.db, appId, id, input, now);
  }
  async deleteEndpoint(appId: string, id: string): Promise<boolean> {
    return deleteEndpoint(this.db, appId, id);
  }
  async endpointStats(appId: string, endpointId: string): Promise<EndpointStats> {
    return endpointStats(this.db, appId, endpointId);
  }
  async recoverEndpoint(appId: string, endpointId: string, since: number, until: number, now: number): Promise<number> {
    return recoverEndpoint(this.db, appId, endpointId, since, until, now);
  }
  async ingestForEndpoint(appId: string, endpointId: string, eventType: string, payload: Buffer, now: number): Promise<string> {
    return ingestForEndpoint(this.db, appId, endpointId, eventType, payload, now);
  }
  async setPayloadExpiry(messageId: string, at: number): Promise<void> {
    await setPayloadExpiry(this.db, messageId, at);
  }
  async deleteMessageContent(appId: string, messageId: string): Promise<boolean> {
    return deleteMessageContent(this.db, appId, messageId);
  }
  async purgePayloads(now: number, defaultBefore: number, fromId: string, limit: number): Promise<{ purged: number; lastId: string }> {
    return purgePayloads(this.db, now, defaultBefore, fromId, limit);
  }
  async recordEndpointHealth(endpointId: string, ok: boolean, now: number, policy: HealthPolicy): Promise<HealthChange> {
    return recordEndpointHealth(this.db, endpointId, ok, now, policy);
  }
  async nextUnblockAt(now: number): Promise<number | null> {
    return nextUnblockAt(this.db, now);
  }
}
