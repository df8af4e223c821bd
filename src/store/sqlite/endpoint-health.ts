import { healthyEndpoint, type EndpointHealth, type HealthChange, type HealthPolicy } from '../health.ts';
import type { StoreRules } from '../rules.ts';
import type { Row, SqliteDb } from './db.ts';

function toHealth(r: Row): EndpointHealth {
  return {
    throttleNextAt: (r.throttle_next_at as number | null) ?? null,
    breaker: r.breaker as EndpointHealth['breaker'],
    breakerUntil: (r.breaker_until as number | null) ?? null,
    consecutiveFailures: r.consecutive_failures as number,
    failingSince: (r.failing_since as number | null) ?? null,
    windowStart: (r.window_start as number | null) ?? null,
    windowTotal: r.window_total as number,
    windowFailures: r.window_failures as number,
  };
}

/** Health of the given endpoints (absent: never failed nor throttled). Call inside a transaction. */
export function loadHealth(db: SqliteDb, endpointIds: string[]): Map<string, EndpointHealth> {
  const out = new Map<string, EndpointHealth>();
  for (const id of endpointIds) {
    const row = db.stmt('SELECT * FROM endpoint_health WHERE endpoint_id = ?').get(id);
    if (row) out.set(id, toHealth(row));
  }
  return out;
}

export function saveHealth(db: SqliteDb, rules: StoreRules, updates: Array<[string, EndpointHealth]>, now: number): void {
  for (const [id, h] of updates) {
    db.stmt(`INSERT OR REPLACE INTO endpoint_health (endpoint_id, throttle_next_at, breaker, breaker_until, blocked_until,
      consecutive_failures, failing_since, window_start, window_total, window_failures, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
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
    );
  }
}

export function recordEndpointHealth(
  db: SqliteDb,
  rules: StoreRules,
  endpointId: string,
  ok: boolean,
  now: number,
  policy: HealthPolicy,
): HealthChange {
  const row = db.stmt('SELECT * FROM endpoint_health WHERE endpoint_id = ?').get(endpointId);
  // The common case, a success of a healthy endpoint, writes nothing.
  if (rules.isRoutine(row ? toHealth(row) : healthyEndpoint(), ok, now, policy)) return { opened: false, closed: false, disable: false };
  return db.tx(false, () => {
    const fresh = db.stmt('SELECT * FROM endpoint_health WHERE endpoint_id = ?').get(endpointId);
    const { next, change } = rules.afterOutcome(fresh ? toHealth(fresh) : healthyEndpoint(), ok, now, policy);
    saveHealth(db, rules, [[endpointId, next]], now);
    return change;
  });
}

export function nextUnblockAt(db: SqliteDb, now: number): number | null {
  const row = db.stmt('SELECT min(blocked_until) AS at FROM endpoint_health WHERE blocked_until > ?').get(now);
  return (row?.at as number | null | undefined) ?? null;
}

/** An endpoint's effective throttle rate in a lease query over `endpoints e`: its own, else its application's. */
export const THROTTLE_RATE = 'COALESCE(e.throttle_rate, (SELECT a.throttle_rate FROM applications a WHERE a.id = e.app_id))';
