import type { ConsoleSession, ConsoleStore, FlowCounts, FlowMinute, FlowRow, MessageSearch, RejectedRequest, SearchPage, SourceFlow } from '../console.ts';
import { pageCursor, toPage } from '../page.ts';
import type { Message, Page } from '../records.ts';
import { runSearch, type SearchDialect } from '../search-sql.ts';
import { json, type Row } from './db.ts';
import { listenChannel, liveChannel } from './notify.ts';
import { PgOutbound } from './outbound.ts';
import { num, numOrNull, toMessage } from './rows.ts';

const dialect: SearchDialect = {
  param: (n) => `$${n}`,
  contains: (p) => `position(${p}::bytea IN payload) > 0`,
  typeIn: (types, bind) => `event_type = ANY(${bind(types)}::text[])`,
};

const SUMS = `coalesce(sum(received), 0) AS received, coalesce(sum(verified), 0) AS verified, coalesce(sum(rejected), 0) AS rejected,
  coalesce(sum(duplicates), 0) AS duplicates, coalesce(sum(delivered), 0) AS delivered, coalesce(sum(failed), 0) AS failed,
  coalesce(sum(latency_sum_ms), 0) AS latency_sum_ms`;

function toCounts(r: Row | undefined): FlowCounts {
  return {
    received: num(r?.received ?? 0), verified: num(r?.verified ?? 0), rejected: num(r?.rejected ?? 0),
    duplicates: num(r?.duplicates ?? 0), delivered: num(r?.delivered ?? 0), failed: num(r?.failed ?? 0),
    latencySumMs: num(r?.latency_sum_ms ?? 0),
  };
}

function toSession(r: Row): ConsoleSession {
  return {
    idHash: r.id_hash as string, name: r.name as string, role: r.role as ConsoleSession['role'],
    applications: (r.applications as string[] | null) ?? null, createdAt: num(r.created_at), expiresAt: num(r.expires_at),
  };
}

function toRejection(r: Row): RejectedRequest {
  return {
    id: r.id as string, source: r.source as string, receivedAt: num(r.received_at), remoteAddress: (r.remote_address as string | null) ?? null,
    reason: r.reason as string, headers: (r.headers as Record<string, string>) ?? {}, bodySize: num(r.body_size), bodySha256: r.body_sha256 as string,
    bodyHead: r.body_head as Buffer,
  };
}

/** The console's operations of the PostgreSQL store (`ConsoleStore`); `PostgresStore` extends it. */
export abstract class PgConsole extends PgOutbound implements ConsoleStore {
  async addFlowCounts(owner: string, rows: FlowRow[]): Promise<void> {
    if (rows.length === 0) return;
    // One statement for the whole flush; rows are this process's own, so no other process waits on them.
    await this.db.run(`INSERT INTO flow_minutes (minute, owner, source, received, verified, rejected, duplicates, delivered, failed, latency_sum_ms)
      SELECT m, $1, s, r, v, j, d, ok, f, l FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[])
        AS t(m, s, r, v, j, d, ok, f, l)
      ON CONFLICT (minute, owner, source) DO UPDATE SET
        received = flow_minutes.received + excluded.received, verified = flow_minutes.verified + excluded.verified,
        rejected = flow_minutes.rejected + excluded.rejected, duplicates = flow_minutes.duplicates + excluded.duplicates,
        delivered = flow_minutes.delivered + excluded.delivered, failed = flow_minutes.failed + excluded.failed,
        latency_sum_ms = flow_minutes.latency_sum_ms + excluded.latency_sum_ms`,
    [owner, rows.map((r) => r.minute), rows.map((r) => r.source), rows.map((r) => r.received), rows.map((r) => r.verified), rows.map((r) => r.rejected),
      rows.map((r) => r.duplicates), rows.map((r) => r.delivered), rows.map((r) => r.failed), rows.map((r) => Math.round(r.latencySumMs))]);
  }
  async flowTotals(since: number): Promise<FlowCounts> {
    return toCounts((await this.db.query(`SELECT ${SUMS} FROM flow_minutes WHERE minute >= $1`, [since]))[0]);
  }
  async flowSeries(since: number, bucketMs: number): Promise<FlowMinute[]> {
    return (await this.db.query(`SELECT minute - (minute % $1) AS bucket, ${SUMS} FROM flow_minutes WHERE minute >= $2 GROUP BY bucket ORDER BY bucket`,
      [bucketMs, since])).map((r) => ({ minute: num(r.bucket), ...toCounts(r) }));
  }
  async purgeFlowCounts(before: number): Promise<number> {
    return this.db.run('DELETE FROM flow_minutes WHERE minute < $1', [before]);
  }

  async createConsoleSession(s: ConsoleSession): Promise<void> {
    await this.db.run(`INSERT INTO console_sessions (id_hash, name, role, applications, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [s.idHash, s.name, s.role, json(s.applications), s.createdAt, s.expiresAt]);
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
      await tx.run(`INSERT INTO rejected_requests (id, source, received_at, remote_address, reason, headers, body_size, body_sha256, body_head)
        SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::jsonb[], $7::bigint[], $8::text[], $9::bytea[])`,
      [rows.map((r) => r.id), rows.map((r) => r.source), rows.map((r) => r.receivedAt), rows.map((r) => r.remoteAddress), rows.map((r) => r.reason),
        rows.map((r) => JSON.stringify(r.headers)), rows.map((r) => r.bodySize), rows.map((r) => r.bodySha256), rows.map((r) => r.bodyHead)]);
      for (const source of new Set(rows.map((r) => r.source))) {
        await tx.run(`DELETE FROM rejected_requests WHERE source = $1 AND id < (
          SELECT id FROM rejected_requests WHERE source = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`, [source, keepPerSource - 1]);
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
    return (await this.db.query('SELECT source, count(*) AS n, max(received_at) AS last_at FROM rejected_requests WHERE received_at >= $1 GROUP BY source', [since]))
      .map((r) => ({ source: r.source as string, count: num(r.n), lastAt: num(r.last_at) }));
  }

  async searchMessages(q: MessageSearch): Promise<SearchPage> {
    return runSearch(q, dialect, (sql, params) => this.db.query(sql, params), toMessage);
  }
  async findMessage(messageId: string): Promise<Message | null> {
    const row = (await this.db.query('SELECT * FROM messages WHERE id = $1', [messageId]))[0];
    return row ? toMessage(row) : null;
  }
  async flowBySource(since: number): Promise<SourceFlow[]> {
    return (await this.db.query(`SELECT source, ${SUMS}, max(CASE WHEN verified > 0 THEN minute END) AS last_at FROM flow_minutes WHERE minute >= $1 GROUP BY source`,
      [since])).map((r) => ({ source: r.source as string, lastReceivedAt: numOrNull(r.last_at), ...toCounts(r) }));
  }

  async shareLive(payload: string): Promise<void> {
    await this.db.query('SELECT pg_notify($1, $2)', [liveChannel(this.db.options), payload]);
  }
  onLive(heard: (payload: string) => void, onError: (err: Error) => void): () => void {
    return listenChannel(this.db.options, liveChannel(this.db.options), 'live-stream events', heard, () => undefined, onError);
  }
}
