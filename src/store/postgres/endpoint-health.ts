import { healthyEndpoint, type EndpointHealth, type HealthChange, type HealthPolicy } from '../health.ts';
import type { StoreRules } from '../rules.ts';
import type { PgDb, Queryable, Row } from './db.ts';
import { notifyDue } from './notify.ts';
import { num, numOrNull } from '../columns.ts';

function toHealth(r: Row): EndpointHealth {
  return {
    throttleNextAt: numOrNull(r.throttle_next_at),
    breaker: r.breaker as EndpointHealth['breaker'],
    breakerUntil: numOrNull(r.breaker_until),
    consecutiveFailures: num(r.consecutive_failures),
    failingSince: numOrNull(r.failing_since),
    windowStart: numOrNull(r.window_start),
    windowTotal: num(r.window_total),
    windowFailures: num(r.window_failures),
  };
}

/** Health of the given endpoints (absent: never failed nor throttled). Call under the endpoints' lease locks. */
export async function loadHealth(tx: Queryable, endpointIds: string[]): Promise<Map<string, EndpointHealth>> {
  const rows = await tx.query('SELECT * FROM endpoint_health WHERE endpoint_id = ANY($1::text[])', [endpointIds]);
  return new Map(rows.map((r) => [r.endpoint_id as string, toHealth(r)]));
}

export async function saveHealth(tx: Queryable, rules: StoreRules, updates: Array<[string, EndpointHealth]>, now: number): Promise<void> {
  for (const [id, h] of updates) {
    await tx.run(
      `INSERT INTO endpoint_health (endpoint_id, throttle_next_at, breaker, breaker_until, blocked_until, consecutive_failures,
        failing_since, window_start, window_total, window_failures, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
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
 * Counts one outcome under a row lock, so workers in several processes that
 * finish attempts to the same endpoint at once each see the other's count.
 */
export async function recordEndpointHealth(
  db: PgDb,
  rules: StoreRules,
  endpointId: string,
  ok: boolean,
  now: number,
  policy: HealthPolicy,
): Promise<HealthChange> {
  const [row] = await db.query('SELECT * FROM endpoint_health WHERE endpoint_id = $1', [endpointId]);
  // The common case, a success of a healthy endpoint, writes nothing.
  if (rules.isRoutine(row ? toHealth(row) : healthyEndpoint(), ok, now, policy)) return { opened: false, closed: false, disable: false };
  return db.tx(async (tx) => {
    await tx.run(`INSERT INTO endpoint_health (endpoint_id, updated_at) VALUES ($1, $2) ON CONFLICT (endpoint_id) DO NOTHING`, [
      endpointId,
      now,
    ]);
    const [fresh] = await tx.query('SELECT * FROM endpoint_health WHERE endpoint_id = $1 FOR UPDATE', [endpointId]);
    const { next, change } = rules.afterOutcome(fresh ? toHealth(fresh) : healthyEndpoint(), ok, now, policy);
    await saveHealth(tx, rules, [[endpointId, next]], now);
    // A closed breaker frees deliveries that waited: other workers should look now.
    if (change.closed) await notifyDue(tx, db.dueChannel);
    return change;
  });
}

export async function nextUnblockAt(db: Queryable, now: number): Promise<number | null> {
  const [row] = await db.query('SELECT min(blocked_until) AS at FROM endpoint_health WHERE blocked_until > $1', [now]);
  return numOrNull(row?.at);
}

/** An endpoint's effective throttle rate in a lease query over `endpoints e`: its own, else its application's. */
export const THROTTLE_RATE = 'COALESCE(e.throttle_rate, (SELECT a.throttle_rate FROM applications a WHERE a.id = e.app_id))';
