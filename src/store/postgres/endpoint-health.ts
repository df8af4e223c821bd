import type { EndpointHealth } from '../health.ts';
import { toHealth } from '../rows.ts';
import type { Queryable } from './db.ts';

/** Health of the given endpoints (absent: never failed nor throttled), in one statement. Call under the endpoints' lease locks. */
export async function loadHealth(tx: Queryable, endpointIds: string[]): Promise<Map<string, EndpointHealth>> {
  const rows = await tx.query('SELECT * FROM endpoint_health WHERE endpoint_id = ANY($1::text[])', [endpointIds]);
  return new Map(rows.map((r) => [r.endpoint_id as string, toHealth(r)]));
}

export { THROTTLE_RATE } from '../sql/endpoint-health.ts';
