import type { ConsoleStore, FlowRow, RejectedRequest } from '../console.ts';
import { hourRows } from '../flow-rows.ts';
import { SqliteDrivenStore } from './driven-store.ts';

/** The console's operations of the SQLite store (`ConsoleStore`); `SqliteStore` extends it. */
export abstract class SqliteConsole extends SqliteDrivenStore implements ConsoleStore {
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

  /** One process owns the file: there is no one to tell. */
  async shareLive(): Promise<void> {}
  onLive(): () => void {
    return () => undefined;
  }
}
