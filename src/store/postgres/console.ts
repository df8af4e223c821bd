import type { ConsoleStore, FlowRow, RejectedRequest } from '../console.ts';
import { hourRows } from '../flow-rows.ts';
import { liveChannel } from './channels.ts';
import { listenChannel } from './notify.ts';
import { PgDrivenStore } from './driven-store.ts';

/** The console's operations of the PostgreSQL store (`ConsoleStore`); `PostgresStore` extends it. */
export abstract class PgConsole extends PgDrivenStore implements ConsoleStore {
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

  async shareLive(payload: string): Promise<void> {
    await this.db.query('SELECT pg_notify($1, $2)', [liveChannel(this.db.options), payload]);
  }
  onLive(heard: (payload: string) => void, onError: (err: Error) => void): () => void {
    return listenChannel(this.db.options, liveChannel(this.db.options), 'live-stream events', heard, () => undefined, onError);
  }
}
