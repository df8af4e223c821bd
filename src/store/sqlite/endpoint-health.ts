import type { EndpointHealth } from '../health.ts';
import { toHealth } from '../rows.ts';
import type { SqliteDb } from './db.ts';

/**
 * Health of the given endpoints (absent: never failed nor throttled), one
 * prepared look-up each: the lease pass's candidates name few endpoints. Call
 * inside a transaction.
 */
export function loadHealth(db: SqliteDb, endpointIds: string[]): Map<string, EndpointHealth> {
  const out = new Map<string, EndpointHealth>();
  for (const id of endpointIds) {
    const row = db.stmt('SELECT * FROM endpoint_health WHERE endpoint_id = ?').get(id);
    if (row) out.set(id, toHealth(row));
  }
  return out;
}

export { THROTTLE_RATE } from '../sql/endpoint-health.ts';
