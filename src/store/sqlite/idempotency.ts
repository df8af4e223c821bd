import { openText, sealText } from '../secret-box.ts';
import type { IdempotencyClaim } from '../outbound.ts';
import type { SqliteDb } from './db.ts';

/**
 * Idempotency writes commit without an fsync of their own (NORMAL): they
 * survive a crashed process, and the next durable commit (the message the
 * request stores) syncs them too.
 */
export function claimIdempotency(db: SqliteDb, scope: string, key: string, request: string, now: number, expiresAt: number): IdempotencyClaim {
  return db.tx(false, () => {
    const row = db.stmt('SELECT request, status, body, expires_at FROM idempotency WHERE scope = ? AND key = ?').get(scope, key);
    if (row && (row.expires_at as number) > now) {
      if (row.status === null) return { state: 'running', request: row.request as string };
      return { state: 'done', request: row.request as string, status: row.status as number, body: openText(row.body as string) };
    }
    db.stmt('INSERT OR REPLACE INTO idempotency (scope, key, request, status, body, expires_at) VALUES (?, ?, ?, NULL, NULL, ?)')
      .run(scope, key, request, expiresAt);
    return { state: 'claimed' };
  });
}

export function completeIdempotency(db: SqliteDb, scope: string, key: string, status: number, body: string): void {
  db.tx(false, () => db.stmt('UPDATE idempotency SET status = ?, body = ? WHERE scope = ? AND key = ?').run(status, sealText(body), scope, key));
}

export function releaseIdempotency(db: SqliteDb, scope: string, key: string): void {
  db.tx(false, () => db.stmt('DELETE FROM idempotency WHERE scope = ? AND key = ? AND status IS NULL').run(scope, key));
}

export function purgeIdempotency(db: SqliteDb, now: number): number {
  return db.tx(false, () => db.stmt('DELETE FROM idempotency WHERE expires_at <= ?').run(now).changes);
}
