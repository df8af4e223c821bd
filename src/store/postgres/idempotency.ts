import { openText, sealText } from '../secret-box.ts';
import type { IdempotencyClaim } from '../outbound.ts';
import type { PgDb } from './db.ts';

/**
 * One statement claims a free or expired key; when the key is live, the
 * statement returns nothing and the stored row is read. Two processes claiming
 * the same key at once meet on the primary key: the second waits for the first
 * to commit and then sees it as running.
 */
export async function claimIdempotency(db: PgDb, scope: string, key: string, request: string, now: number, expiresAt: number): Promise<IdempotencyClaim> {
  const claimed = await db.query(`INSERT INTO idempotency (scope, key, request, status, body, expires_at) VALUES ($1, $2, $3, NULL, NULL, $4)
    ON CONFLICT (scope, key) DO UPDATE SET request = excluded.request, status = NULL, body = NULL, expires_at = excluded.expires_at
    WHERE idempotency.expires_at <= $5 RETURNING 1`, [scope, key, request, expiresAt, now]);
  if (claimed.length > 0) return { state: 'claimed' };
  const [row] = await db.query('SELECT request, status, body FROM idempotency WHERE scope = $1 AND key = $2', [scope, key]);
  if (!row) return claimIdempotency(db, scope, key, request, now, expiresAt);
  if (row.status === null) return { state: 'running', request: row.request as string };
  return { state: 'done', request: row.request as string, status: row.status as number, body: openText(row.body as string) };
}

export async function completeIdempotency(db: PgDb, scope: string, key: string, status: number, body: string): Promise<void> {
  await db.run('UPDATE idempotency SET status = $3, body = $4 WHERE scope = $1 AND key = $2', [scope, key, status, sealText(body)]);
}

export async function releaseIdempotency(db: PgDb, scope: string, key: string): Promise<void> {
  await db.run('DELETE FROM idempotency WHERE scope = $1 AND key = $2 AND status IS NULL', [scope, key]);
}

export async function purgeIdempotency(db: PgDb, now: number): Promise<number> {
  return db.run('DELETE FROM idempotency WHERE expires_at <= $1', [now]);
}
