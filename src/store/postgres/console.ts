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
import { pageCursor, toPage } from '../page.ts';
import type { Message, Page } from '../records.ts';
import { FLOW_SUMS, HOUR, hourRows, splitWindow, toFlowCounts } from '../flow-rows.ts';
import { runSearch, type SearchDialect } from '../search-sql.ts';
import { json, type Row } from './db.ts';
import { loadHealth } from './endpoint-health.ts';
import { liveChannel } from './channels.ts';
import { listenChannel } from './notify.ts';
import { PgOutbound } from './outbound.ts';
import { toMessage } from '../rows.ts';
import { num, numOrNull } from '../columns.ts';

const dialect: SearchDialect = {
  param: (n) => `$${n}`,
  contains: (p) => `position(${p}::bytea IN payload) > 0`,
  typeIn: (types, bind) => `event_type = ANY(${bind(types)}::text[])`,
};

function toSession(r: Row): ConsoleSession {
  return {
    idHash: r.id_hash as string,
    name: r.name as string,
    role: r.role as ConsoleSession['role'],
    applications: (r.applications as string[] | null) ?? null,
    createdAt: num(r.created_at),
    expiresAt: num(r.expires_at),
  };
}

function toRejection(r: Row): RejectedRequest {
  return {
    id: r.id as string,
    source: r.source as string,
    receivedAt: num(r.received_at),
    remoteAddress: (r.remote_address as string | null) ?? null,
    reason: r.reason as string,
    headers: (r.headers as Record<string, string>) ?? {},
    bodySize: num(r.body_size),
    bodySha256: r.body_sha256 as string,
    bodyHead: r.body_head as Buffer,
  };
}

/** The console's operations of the PostgreSQL store (`ConsoleStore`); `PostgresStore` extends it. */
export abstract class PgConsole extends PgOutbound implements ConsoleStore {
  async addFlowCounts(owner: string, rows: FlowRow[]): Promise<void> {
    if (rows.length === 0) return;
    // Rows are this process's own, so no other process waits on them; both tables in one transaction.
    await this.db.tx(async (tx) => {
      for (const [table, list] of [
        ['flow_minutes', rows],
        ['flow_hours', hourRows(rows)],
      ] as const) {
        await tx.run(
          `INSERT INTO ${table} (minute, owner, source, received, verified, rejected, duplicates, delivered, failed, latency_sum_ms)
          SELECT m, $1, s, r, v, j, d, ok, f, l FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[])
            AS t(m, s, r, v, j, d, ok, f, l)
          ON CONFLICT (minute, owner, source) DO UPDATE SET
            received = ${table}.received + excluded.received, verified = ${table}.verified + excluded.verified,
            rejected = ${table}.rejected + excluded.rejected, duplicates = ${table}.duplicates + excluded.duplicates,
            delivered = ${table}.delivered + excluded.delivered, failed = ${table}.failed + excluded.failed,
            latency_sum_ms = ${table}.latency_sum_ms + excluded.latency_sum_ms`,
          [
            owner,
            list.map((r) => r.minute),
            list.map((r) => r.source),
            list.map((r) => r.received),
            list.map((r) => r.verified),
            list.map((r) => r.rejected),
            list.map((r) => r.duplicates),
            list.map((r) => r.delivered),
            list.map((r) => r.failed),
            list.map((r) => Math.round(r.latencySumMs)),
          ],
        );
      }
    });
  }
  async flowTotals(since: number): Promise<FlowCounts> {
    const { minutesFrom, hoursFrom } = splitWindow(since);
    return toFlowCounts(
      (
        await this.db.query(
          `SELECT ${FLOW_SUMS} FROM (
        SELECT * FROM flow_minutes WHERE minute >= $1 AND minute < $2 UNION ALL SELECT * FROM flow_hours WHERE minute >= $2) AS w`,
          [minutesFrom, hoursFrom],
        )
      )[0],
    );
  }
  async flowSeries(since: number, bucketMs: number): Promise<FlowMinute[]> {
    const table = bucketMs % HOUR === 0 ? 'flow_hours' : 'flow_minutes';
    return (
      await this.db.query(
        `SELECT minute - (minute % $1) AS bucket, ${FLOW_SUMS} FROM ${table} WHERE minute >= $2 GROUP BY bucket ORDER BY bucket`,
        [bucketMs, since],
      )
    ).map((r) => ({ minute: num(r.bucket), ...toFlowCounts(r) }));
  }
  async purgeFlowCounts(before: number): Promise<number> {
    return (
      (await this.db.run('DELETE FROM flow_minutes WHERE minute < $1', [before])) +
      (await this.db.run('DELETE FROM flow_hours WHERE minute < $1', [before - (before % HOUR)]))
    );
  }

  async createConsoleSession(s: ConsoleSession): Promise<void> {
    await this.db.run(
      `INSERT INTO console_sessions (id_hash, name, role, applications, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [s.idHash, s.name, s.role, json(s.applications), s.createdAt, s.expiresAt],
    );
  }
  async getConsoleSession(idHash: string, now: number): Promise<ConsoleSession | null> {
    const row = (await this.db.query('SELECT * FROM console_sessions WHERE id_hash = $1 AND expires_at > $2', [idHash, now]))[0];
    return row ? toSession(row) : null;
  }
  async deleteConsoleSession(idHash: string): Promise<void> {
    await this.db.run('DELETE FROM console_sessions WHERE id_hash = $1', [idHash]);
  }
  async purgeConsoleSessions(now: number): Promise<number> {
    return this.db.run('DELETE FROM console_sessions WHERE expires_at <= $1', [now]);
  }

  async recordRejections(rows: RejectedRequest[], keepPerSource: number): Promise<void> {
    if (rows.length === 0) return;
    await this.db.tx(async (tx) => {
      await tx.run(
        `INSERT INTO rejected_requests (id, source, received_at, remote_address, reason, headers, body_size, body_sha256, body_head)
        SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::jsonb[], $7::bigint[], $8::text[], $9::bytea[])`,
        [
          rows.map((r) => r.id),
          rows.map((r) => r.source),
          rows.map((r) => r.receivedAt),
          rows.map((r) => r.remoteAddress),
          rows.map((r) => r.reason),
          rows.map((r) => JSON.stringify(r.headers)),
          rows.map((r) => r.bodySize),
          rows.map((r) => r.bodySha256),
          rows.map((r) => r.bodyHead),
        ],
      );
      for (const source of new Set(rows.map((r) => r.source))) {
        await tx.run(
          `DELETE FROM rejected_requests WHERE source = $1 AND id < (
          SELECT id FROM rejected_requests WHERE source = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`,
          [source, keepPerSource - 1],
        );
      }
    });
  }
  async listRejections(q: { source?: string; limit: number; iterator?: string }): Promise<Page<RejectedRequest>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.source !== undefined) {
      params.push(q.source);
      where.push(`source = $${params.length}`);
    }
    const cursor = pageCursor(q.iterator);
    if (cursor) {
      params.push(cursor.id);
      where.push(`id ${cursor.backwards ? '>' : '<'} $${params.length}`);
    }
    params.push(q.limit + 1);
    const sql = `SELECT * FROM rejected_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${cursor?.backwards ? 'ASC' : 'DESC'} LIMIT $${params.length}`;
    return toPage((await this.db.query(sql, params)).map(toRejection), q.limit, q.iterator);
  }
  async rejectionCounts(since: number): Promise<Array<{ source: string; count: number; lastAt: number }>> {
    return (
      await this.db.query(
        'SELECT source, count(*) AS n, max(received_at) AS last_at FROM rejected_requests WHERE received_at >= $1 GROUP BY source',
        [since],
      )
    ).map((r) => ({ source: r.source as string, count: num(r.n), lastAt: num(r.last_at) }));
  }

  async searchMessages(q: MessageSearch): Promise<SearchPage> {
    return runSearch(q, dialect, (sql, params) => this.db.query(sql, params), toMessage);
  }
  async findMessage(messageId: string): Promise<Message | null> {
    const row = (await this.db.query('SELECT * FROM messages WHERE id = $1', [messageId]))[0];
    return row ? toMessage(row) : null;
  }
  async flowBySource(since: number): Promise<SourceFlow[]> {
    const { minutesFrom, hoursFrom } = splitWindow(since);
    const last = new Map(
      (
        await this.db.query('SELECT source, max(minute) AS last_at FROM flow_minutes WHERE minute >= $1 AND verified > 0 GROUP BY source', [
          since,
        ])
      ).map((r) => [r.source as string, numOrNull(r.last_at)]),
    );
    return (
      await this.db.query(
        `SELECT source, ${FLOW_SUMS} FROM (
        SELECT * FROM flow_minutes WHERE minute >= $1 AND minute < $2 UNION ALL SELECT * FROM flow_hours WHERE minute >= $2) AS w GROUP BY source`,
        [minutesFrom, hoursFrom],
      )
    ).map((r) => ({ source: r.source as string, lastReceivedAt: last.get(r.source as string) ?? null, ...toFlowCounts(r) }));
  }

  async endpointHealth(endpointId: string, sample: number): Promise<{ health: EndpointHealth | null; recent: RecentAttempt[] }> {
    const health = (await loadHealth(this.db, [endpointId])).get(endpointId) ?? null;
    const recent = (
      await this.db.query(
        'SELECT started_at, duration_ms, status, succeeded, error FROM attempts WHERE endpoint_id = $1 ORDER BY id DESC LIMIT $2',
        [endpointId, sample],
      )
    ).map((r) => ({
      startedAt: num(r.started_at),
      durationMs: num(r.duration_ms),
      status: numOrNull(r.status),
      succeeded: r.succeeded === true,
      error: (r.error as string | null) ?? null,
    }));
    return { health, recent };
  }

  async shareLive(payload: string): Promise<void> {
    await this.db.query('SELECT pg_notify($1, $2)', [liveChannel(this.db.options), payload]);
  }
  onLive(heard: (payload: string) => void, onError: (err: Error) => void): () => void {
    return listenChannel(this.db.options, liveChannel(this.db.options), 'live-stream events', heard, () => undefined, onError);
  }
}
