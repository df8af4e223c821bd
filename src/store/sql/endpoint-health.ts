import { bool, num, numOrNull, strOrNull } from '../columns.ts';
import type { RecentAttempt } from '../console.ts';
import { healthyEndpoint, type EndpointHealth, type HealthChange, type HealthPolicy } from '../health.ts';
import { toHealth } from '../rows.ts';
import type { StoreRules } from '../rules.ts';
import { all, get, type Op, run, wake } from './op.ts';

/** An endpoint's effective throttle rate in a lease query over `endpoints e`: its own, else its application's. */
export const THROTTLE_RATE = 'COALESCE(e.throttle_rate, (SELECT a.throttle_rate FROM applications a WHERE a.id = e.app_id))';

/** One endpoint's stored health; `null`: never failed nor throttled. */
export function* getHealth(endpointId: string): Op<EndpointHealth | null> {
  const row = yield* get('SELECT * FROM endpoint_health WHERE endpoint_id = ?', [endpointId]);
  return row ? toHealth(row) : null;
}

/** Writes what a lease pass or an outcome changed, with the `blocked_until` the lease queries skip by. */
export function* saveHealth(rules: StoreRules, updates: Array<[string, EndpointHealth]>, now: number): Op<void> {
  for (const [id, h] of updates) {
    yield* run(
      `INSERT INTO endpoint_health (endpoint_id, throttle_next_at, breaker, breaker_until, blocked_until, consecutive_failures,
        failing_since, window_start, window_total, window_failures, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (endpoint_id) DO UPDATE SET throttle_next_at = excluded.throttle_next_at, breaker = excluded.breaker,
        breaker_until = excluded.breaker_until, blocked_until = excluded.blocked_until, consecutive_failures = excluded.consecutive_failures,
        failing_since = excluded.failing_since, window_start = excluded.window_start, window_total = excluded.window_total,
        window_failures = excluded.window_failures, updated_at = excluded.updated_at`,
      [
        id,
        h.throttleNextAt,
        h.breaker,
        h.breakerUntil,
        rules.blockedUntil(h),
        h.consecutiveFailures,
        h.failingSince,
        h.windowStart,
        h.windowTotal,
        h.windowFailures,
        now,
      ],
    );
  }
}

/**
 * Counts one outcome under the row's lock (the no-op UPDATE … RETURNING takes
 * it on PostgreSQL), so workers in several processes that finish attempts to
 * the same endpoint at once each see the other's count. Run it atomic.
 */
export function* countOutcome(rules: StoreRules, endpointId: string, ok: boolean, now: number, policy: HealthPolicy): Op<HealthChange> {
  yield* run('INSERT INTO endpoint_health (endpoint_id, updated_at) VALUES (?, ?) ON CONFLICT (endpoint_id) DO NOTHING', [endpointId, now]);
  const [fresh] = yield* all('UPDATE endpoint_health SET endpoint_id = endpoint_id WHERE endpoint_id = ? RETURNING *', [endpointId]);
  const { next, change } = rules.afterOutcome(fresh ? toHealth(fresh) : healthyEndpoint(), ok, now, policy);
  yield* saveHealth(rules, [[endpointId, next]], now);
  // A closed breaker frees deliveries that waited: other workers should look now.
  if (change.closed) yield* wake();
  return change;
}

export function* nextUnblockAt(now: number): Op<number | null> {
  const row = yield* get('SELECT min(blocked_until) AS at FROM endpoint_health WHERE blocked_until > ?', [now]);
  return numOrNull(row?.at);
}

/** The endpoint's last `sample` attempts, newest first (the console's health view). */
export function* recentAttempts(endpointId: string, sample: number): Op<RecentAttempt[]> {
  const rows = yield* all(
    'SELECT started_at, duration_ms, status, succeeded, error FROM attempts WHERE endpoint_id = ? ORDER BY id DESC LIMIT ?',
    [endpointId, sample],
  );
  return rows.map((r) => ({
    startedAt: num(r.started_at),
    durationMs: num(r.duration_ms),
    status: numOrNull(r.status),
    succeeded: bool(r.succeeded),
    error: strOrNull(r.error),
  }));
}
