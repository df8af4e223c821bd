import type { IdempotencyClaim } from '../management.ts';
import { num } from '../columns.ts';
import { openText, sealText } from '../secret-box.ts';
import { get, type Op, run } from './op.ts';

/**
 * One statement claims a free or expired key; when the key is live, it returns
 * nothing and the stored row is read. Two PostgreSQL processes claiming the
 * same key at once meet on the primary key: the second waits for the first to
 * commit and then sees it as running. These writes need no fsync of their own:
 * the message the request stores is committed durably and syncs them too.
 */
export function* claimIdempotency(scope: string, key: string, request: string, now: number, expiresAt: number): Op<IdempotencyClaim> {
  for (let tries = 0; ; tries++) {
    const claimed = yield* get(
      `INSERT INTO idempotency (scope, key, request, status, body, expires_at) VALUES (?, ?, ?, NULL, NULL, ?)
      ON CONFLICT (scope, key) DO UPDATE SET request = excluded.request, status = NULL, body = NULL, expires_at = excluded.expires_at
      WHERE idempotency.expires_at <= ? RETURNING 1 AS claimed`,
      [scope, key, request, expiresAt, now],
    );
    if (claimed) return { state: 'claimed' };
    const row = yield* get('SELECT request, status, body FROM idempotency WHERE scope = ? AND key = ?', [scope, key]);
    // Gone between the two statements (released by its owner): claim again.
    if (!row) {
      if (tries >= 3) throw new Error(`idempotency key ${key} keeps changing hands`);
      continue;
    }
    if (row.status === null) return { state: 'running', request: row.request as string };
    return { state: 'done', request: row.request as string, status: num(row.status), body: openText(row.body as string) };
  }
}

export function* completeIdempotency(scope: string, key: string, status: number, body: string): Op<void> {
  yield* run('UPDATE idempotency SET status = ?, body = ? WHERE scope = ? AND key = ?', [status, sealText(body), scope, key]);
}

export function* releaseIdempotency(scope: string, key: string): Op<void> {
  yield* run('DELETE FROM idempotency WHERE scope = ? AND key = ? AND status IS NULL', [scope, key]);
}

export function* purgeIdempotency(now: number): Op<number> {
  return yield* run('DELETE FROM idempotency WHERE expires_at <= ?', [now]);
}
