import type {
  ConsoleSession,
  FlowRow,
  MessageSearch,
  SearchPage,
  FlowCounts,
  FlowMinute,
  RecentAttempt,
  RejectedRequest,
  SourceFlow,
} from '../console.ts';
import type { EndpointHealth } from '../health.ts';
import type { Attempt, Message, Page } from '../records.ts';
import type { AttemptQuery, DeliveryView, EndpointMessage, MessageQuery } from '../store.ts';
import { getAttempt, listAttempts } from './attempts.ts';
import {
  addFlowCounts,
  createConsoleSession,
  deleteConsoleSession,
  flowBySource,
  flowSeries,
  flowTotals,
  getConsoleSession,
  listRejections,
  purgeConsoleSessions,
  purgeFlowCounts,
  rejectionCounts,
  recordRejections,
} from './console.ts';
import { listDeliveries, listEndpointMessages, nextDueAt } from './deliveries.ts';
import { getHealth, recentAttempts } from './endpoint-health.ts';
import { findMessage, getMessage, getMessageByEventId, listMessages } from './messages.ts';
import { all } from './op.ts';
import { deleteMessageContent, purgeDedupe, purgePayloads, setPayloadExpiry } from './retention.ts';
import { runSearch } from '../search-sql.ts';
import { toMessage } from '../rows.ts';
import { SqlOperations } from './operations-store.ts';

/**
 * The reads of messages, deliveries and attempts and the console's operations
 * written once, over the dialect's few differing fragments (`SqlDialect`);
 * `DialectStore` extends this with what each database does its own way.
 */
export abstract class SqlStore extends SqlOperations {
  async listMessages(query: MessageQuery): Promise<Page<Message>> {
    return this.drive(listMessages(this.dialect, query), 'each');
  }
  async getMessage(appId: string, messageId: string): Promise<Message | null> {
    return this.drive(getMessage(appId, messageId), 'each');
  }
  async getMessageByEventId(appId: string, eventId: string): Promise<Message | null> {
    return this.drive(getMessageByEventId(appId, eventId), 'each');
  }
  async findMessage(messageId: string): Promise<Message | null> {
    return this.drive(findMessage(messageId), 'each');
  }
  async listDeliveries(appId: string, messageId: string): Promise<DeliveryView[]> {
    return this.drive(listDeliveries(appId, messageId), 'each');
  }
  async listEndpointMessages(appId: string, endpointId: string, limit: number, iterator?: string): Promise<Page<EndpointMessage>> {
    return this.drive(listEndpointMessages(appId, endpointId, limit, iterator), 'each');
  }
  async listAttempts(query: AttemptQuery): Promise<Page<Attempt>> {
    return this.drive(listAttempts(this.dialect, query), 'each');
  }
  async getAttempt(appId: string, attemptId: string): Promise<Attempt | null> {
    return this.drive(getAttempt(appId, attemptId), 'each');
  }
  async nextDueAt(): Promise<number | null> {
    return this.drive(nextDueAt(), 'each');
  }
  async searchMessages(q: MessageSearch): Promise<SearchPage> {
    return runSearch(q, this.dialect.search, (sql, params) => this.drive(all(sql, params), 'each'), toMessage);
  }

  async setPayloadExpiry(messageId: string, at: number): Promise<void> {
    return this.drive(setPayloadExpiry(messageId, at), 'durable');
  }
  async deleteMessageContent(appId: string, messageId: string): Promise<boolean> {
    return this.drive(deleteMessageContent(appId, messageId), 'durable');
  }
  async purgePayloads(now: number, defaultBefore: number, fromId: string, limit: number): Promise<{ purged: number; lastId: string }> {
    return this.drive(purgePayloads(now, defaultBefore, fromId, limit), 'atomic');
  }

  async flowTotals(since: number): Promise<FlowCounts> {
    return this.drive(flowTotals(since), 'each');
  }
  async flowSeries(since: number, bucketMs: number): Promise<FlowMinute[]> {
    return this.drive(flowSeries(since, bucketMs), 'each');
  }
  async flowBySource(since: number): Promise<SourceFlow[]> {
    return this.drive(flowBySource(since), 'each');
  }
  async purgeDedupe(now: number): Promise<number> {
    return this.drive(purgeDedupe(now), 'atomic');
  }

  async addFlowCounts(owner: string, rows: FlowRow[]): Promise<void> {
    if (rows.length > 0) await this.drive(addFlowCounts(owner, rows), 'atomic');
  }
  async recordRejections(rows: RejectedRequest[], keepPerSource: number): Promise<void> {
    if (rows.length > 0) await this.drive(recordRejections(rows, keepPerSource), 'atomic');
  }
  async purgeFlowCounts(before: number): Promise<number> {
    return this.drive(purgeFlowCounts(before), 'atomic');
  }
  async createConsoleSession(session: ConsoleSession): Promise<void> {
    return this.drive(createConsoleSession(session), 'atomic');
  }
  async getConsoleSession(idHash: string, now: number): Promise<ConsoleSession | null> {
    return this.drive(getConsoleSession(idHash, now), 'each');
  }
  async deleteConsoleSession(idHash: string): Promise<void> {
    return this.drive(deleteConsoleSession(idHash), 'atomic');
  }
  async purgeConsoleSessions(now: number): Promise<number> {
    return this.drive(purgeConsoleSessions(now), 'atomic');
  }
  async listRejections(query: { source?: string; limit: number; iterator?: string }): Promise<Page<RejectedRequest>> {
    return this.drive(listRejections(query), 'each');
  }
  async rejectionCounts(since: number): Promise<Array<{ source: string; count: number; lastAt: number }>> {
    return this.drive(rejectionCounts(since), 'each');
  }
  async endpointHealth(endpointId: string, sample: number): Promise<{ health: EndpointHealth | null; recent: RecentAttempt[] }> {
    return {
      health: await this.drive(getHealth(endpointId), 'each'),
      recent: await this.drive(recentAttempts(endpointId, sample), 'each'),
    };
  }
}
