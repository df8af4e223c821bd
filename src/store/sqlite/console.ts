import type { EndpointHealth } from '../health.ts';
import type {
  ConsoleSession,
  RecentAttempt,
  ConsoleStore,
  FlowCounts,
  FlowMinute,
  FlowRow,
  MessageSearch,
  RejectedRequest,
  SearchPage,
  SourceFlow,
} from '../console.ts';
import { toPage, pageCursor } from '../page.ts';
import type { Message, Page } from '../records.ts';
import { FLOW_SUMS, HOUR, hourRows, splitWindow, toFlowCounts } from '../flow-rows.ts';
import { runSearch, type SearchDialect } from '../search-sql.ts';
import { json, parseJson, type Row } from './db.ts';
import { loadHealth } from './endpoint-health.ts';
import { SqliteOutbound } from './outbound.ts';
import { toMessage } from '../rows.ts';

const dialect: SearchDialect = {
  param: () => '?',
  contains: (p) => `instr(payload, ${p}) > 0`,
  typeIn: (types, bind) => `event_type IN (${types.map(bind).join(', ')})`,
};

function toSession(r: Row): ConsoleSession {
  return {
    idHash: r.id_hash as string,
    name: r.name as string,
    role: r.role as ConsoleSession['role'],
    applications: parseJson(r.applications, null),
    createdAt: r.created_at as number,
    expiresAt: r.expires_at as number,
  };
}

function toRejection(r: Row): RejectedRequest {
  return {
    id: r.id as string,
    source: r.source as string,
    receivedAt: r.received_at as number,
    remoteAddress: (r.remote_address as string | null) ?? null,
    reason: r.reason as string,
    headers: parseJson(r.headers, {}),
    bodySize: r.body_size as number,
    bodySha256: r.body_sha256 as string,
    bodyHead: r.body_head as Buffer,
  };
}

/** The console's operations of the SQLite store (`ConsoleStore`); `SqliteStore` extends it. */
export abstract class SqliteConsole extends SqliteOutbound implements ConsoleStore {
  async addFlowCounts(owner: string, rows: FlowRow[]): Promise<void> {
    const upsert = (table: string) =>
      this.db.stmt(`INSERT INTO ${table} (minute, owner, source, received, verified, rejected, duplicates, delivered, failed, latency_sum_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (minute, owner, source) DO UPDATE SET
        received = received + excluded.received, verified = verified + excluded.verified, rejected = rejected + excluded.rejected,
        duplicates = duplicates + excluded.duplicates, delivered = delivered + excluded.delivered, failed = failed + excluded.failed,
        latency_sum_ms = latency_sum_ms + excluded.latency_sum_ms`);
    this.db.tx(false, () => {
      for (const [table, list] of [
        ['flow_minutes', rows],
        ['flow_hours', hourRows(rows)],
      ] as const) {
        const stmt = upsert(table);
        for (const m of list)
          stmt.run(
            m.minute,
            owner,
            m.source,
            m.received,
            m.verified,
            m.rejected,
            m.duplicates,
            m.delivered,
            m.failed,
            Math.round(m.latencySumMs),
          );
      }
    });
  }
  async flowTotals(since: number): Promise<FlowCounts> {
    const { minutesFrom, hoursFrom } = splitWindow(since);
    return toFlowCounts(
      this.db
        .stmt(`SELECT ${FLOW_SUMS} FROM (
        SELECT * FROM flow_minutes WHERE minute >= ? AND minute < ? UNION ALL SELECT * FROM flow_hours WHERE minute >= ?)`)
        .get(minutesFrom, hoursFrom, hoursFrom),
    );
  }
  async flowSeries(since: number, bucketMs: number): Promise<FlowMinute[]> {
    const table = bucketMs % HOUR === 0 ? 'flow_hours' : 'flow_minutes';
    return this.db
      .stmt(`SELECT minute - (minute % ?) AS bucket, ${FLOW_SUMS} FROM ${table} WHERE minute >= ? GROUP BY bucket ORDER BY bucket`)
      .all(bucketMs, since)
      .map((r) => ({ minute: r.bucket as number, ...toFlowCounts(r) }));
  }
  async purgeFlowCounts(before: number): Promise<number> {
    return this.db.tx(
      false,
      () =>
        this.db.stmt('DELETE FROM flow_minutes WHERE minute < ?').run(before).changes +
        this.db.stmt('DELETE FROM flow_hours WHERE minute < ?').run(before - (before % HOUR)).changes,
    );
  }

  async createConsoleSession(s: ConsoleSession): Promise<void> {
    this.db.tx(false, () =>
      this.db
        .stmt(`INSERT INTO console_sessions (id_hash, name, role, applications, created_at, expires_at)
      VALUES (?, ?, ?, ?, ?, ?)`)
        .run(s.idHash, s.name, s.role, json(s.applications), s.createdAt, s.expiresAt),
    );
  }
  async getConsoleSession(idHash: string, now: number): Promise<ConsoleSession | null> {
    const row = this.db.stmt('SELECT * FROM console_sessions WHERE id_hash = ? AND expires_at > ?').get(idHash, now);
    return row ? toSession(row) : null;
  }
  async deleteConsoleSession(idHash: string): Promise<void> {
    this.db.tx(false, () => this.db.stmt('DELETE FROM console_sessions WHERE id_hash = ?').run(idHash));
  }
  async purgeConsoleSessions(now: number): Promise<number> {
    return this.db.tx(false, () => this.db.stmt('DELETE FROM console_sessions WHERE expires_at <= ?').run(now).changes);
  }

  async recordRejections(rows: RejectedRequest[], keepPerSource: number): Promise<void> {
    const insert =
      this.db.stmt(`INSERT INTO rejected_requests (id, source, received_at, remote_address, reason, headers, body_size, body_sha256, body_head)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    // The id of the oldest row to keep; everything older of the source goes.
    const prune = this.db.stmt(`DELETE FROM rejected_requests WHERE source = ? AND id < (
      SELECT id FROM rejected_requests WHERE source = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`);
    this.db.tx(false, () => {
      for (const r of rows)
        insert.run(
          r.id,
          r.source,
          r.receivedAt,
          r.remoteAddress,
          r.reason,
          JSON.stringify(r.headers),
          r.bodySize,
          r.bodySha256,
          r.bodyHead,
        );
      for (const source of new Set(rows.map((r) => r.source))) prune.run(source, source, keepPerSource - 1);
    });
  }
  async listRejections(q: { source?: string; limit: number; iterator?: string }): Promise<Page<RejectedRequest>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.source !== undefined) {
      where.push('source = ?');
      params.push(q.source);
    }
    const cursor = pageCursor(q.iterator);
    if (cursor) {
      where.push(cursor.backwards ? 'id > ?' : 'id < ?');
      params.push(cursor.id);
    }
    const sql = `SELECT * FROM rejected_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${cursor?.backwards ? 'ASC' : 'DESC'} LIMIT ?`;
    return toPage(
      this.db
        .stmt(sql)
        .all(...params, q.limit + 1)
        .map(toRejection),
      q.limit,
      q.iterator,
    );
  }
  async rejectionCounts(since: number): Promise<Array<{ source: string; count: number; lastAt: number }>> {
    return this.db
      .stmt('SELECT source, count(*) AS n, max(received_at) AS last_at FROM rejected_requests WHERE received_at >= ? GROUP BY source')
      .all(since)
      .map((r) => ({ source: r.source as string, count: r.n as number, lastAt: r.last_at as number }));
  }

  async searchMessages(q: MessageSearch): Promise<SearchPage> {
    return runSearch(q, dialect, async (sql, params) => this.db.stmt(sql).all(...params), toMessage);
  }
  async findMessage(messageId: string): Promise<Message | null> {
    const row = this.db.stmt('SELECT * FROM messages WHERE id = ?').get(messageId);
    return row ? toMessage(row) : null;
  }
  async flowBySource(since: number): Promise<SourceFlow[]> {
    const { minutesFrom, hoursFrom } = splitWindow(since);
    const last = new Map(
      this.db
        .stmt('SELECT source, max(minute) AS last_at FROM flow_minutes WHERE minute >= ? AND verified > 0 GROUP BY source')
        .all(since)
        .map((r) => [r.source as string, r.last_at as number]),
    );
    return this.db
      .stmt(`SELECT source, ${FLOW_SUMS} FROM (
        SELECT * FROM flow_minutes WHERE minute >= ? AND minute < ? UNION ALL SELECT * FROM flow_hours WHERE minute >= ?) GROUP BY source`)
      .all(minutesFrom, hoursFrom, hoursFrom)
      .map((r) => ({ source: r.source as string, lastReceivedAt: last.get(r.source as string) ?? null, ...toFlowCounts(r) }));
  }

  async endpointHealth(endpointId: string, sample: number): Promise<{ health: EndpointHealth | null; recent: RecentAttempt[] }> {
    const health = loadHealth(this.db, [endpointId]).get(endpointId) ?? null;
    const recent = this.db
      .stmt('SELECT started_at, duration_ms, status, succeeded, error FROM attempts WHERE endpoint_id = ? ORDER BY id DESC LIMIT ?')
      .all(endpointId, sample)
      .map((r) => ({
        startedAt: r.started_at as number,
        durationMs: r.duration_ms as number,
        status: (r.status as number | null) ?? null,
        succeeded: r.succeeded === 1,
        error: (r.error as string | null) ?? null,
      }));
    return { health, recent };
  }

  /** One process owns the file: there is no one to tell. */
  async shareLive(): Promise<void> {}
  onLive(): () => void {
    return () => undefined;
  }
}
