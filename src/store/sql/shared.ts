import type { Created, EventType, EventTypeInput, ListQuery } from '../outbound.ts';
import type { Page } from '../records.ts';
import { createEventType, deleteEventType, getEventType, listEventTypes, updateEventType } from './event-types.ts';
import type { Op } from './op.ts';

/** How an operation runs: `read` outside a transaction, `write` in one, `durable` in one whose commit is flushed to disk. */
export type DriveMode = 'read' | 'write' | 'durable';

/**
 * The store operations written once (src/store/sql/), as methods both stores
 * inherit. A dialect supplies only `drive`: how it runs an operation's
 * statements (synchronously on the SQLite connection, or on a PostgreSQL
 * connection); what differs for real (leasing, batch ingest, partitions,
 * notification) stays in the dialect folders.
 */
export abstract class SharedOperations {
  protected abstract drive<T>(op: Op<T>, mode: DriveMode): Promise<T>;

  async createEventType(input: EventTypeInput, now: number): Promise<Created<EventType>> {
    return this.drive(createEventType(input, now), 'durable');
  }
  async getEventType(name: string): Promise<EventType | null> {
    return this.drive(getEventType(name), 'read');
  }
  async listEventTypes(query: ListQuery & { includeArchived: boolean }): Promise<Page<EventType>> {
    return this.drive(listEventTypes(query), 'read');
  }
  async updateEventType(input: EventTypeInput, now: number): Promise<EventType | null> {
    return this.drive(updateEventType(input, now), 'durable');
  }
  async deleteEventType(name: string): Promise<boolean> {
    return this.drive(deleteEventType(name), 'durable');
  }
}
