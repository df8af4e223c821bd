import { defaults } from '../../config/defaults.ts';
import { sealSecrets } from '../secret-box.ts';
import type { ApplicationConfig } from '../../config/types.ts';
import { newId } from '../ids.ts';
import { orderingColumns, syncedEndpointState } from '../endpoint-sync.ts';
import type { Application, Endpoint } from '../records.ts';
import { json, type PgDb, type Queryable } from './db.ts';
import { toApplication, toEndpoint } from '../rows.ts';

export async function getApplication(db: Queryable, idOrUid: string): Promise<Application | null> {
  const [row] = await db.query('SELECT * FROM applications WHERE id = $1 OR uid = $1', [idOrUid]);
  return row ? toApplication(row) : null;
}

export async function listEndpoints(db: Queryable, appId: string): Promise<Endpoint[]> {
  return (await db.query('SELECT * FROM endpoints WHERE app_id = $1 ORDER BY id', [appId])).map(toEndpoint);
}

export async function getEndpoint(db: Queryable, appId: string, idOrUid: string): Promise<Endpoint | null> {
  const [row] = await db.query('SELECT * FROM endpoints WHERE app_id = $1 AND (id = $2 OR uid = $2)', [appId, idOrUid]);
  return row ? toEndpoint(row) : null;
}

/**
 * Upserts a YAML-declared application and its endpoints by uid (see
 * `syncedEndpointState` for what an existing endpoint keeps).
 *
 * Several processes start with the same config at once: the application row is
 * upserted first, and that row lock (held to commit) makes the others wait and
 * then see this one's endpoints, so they agree on generated secrets.
 */
export async function syncApplication(db: PgDb, app: ApplicationConfig, generateSecret: () => string): Promise<Application> {
  const now = Date.now();
  return db.tx(async (tx) => {
    const [row] = await tx.query(`INSERT INTO applications (id, uid, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
      ON CONFLICT (uid) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at RETURNING *`,
    [newId('app'), app.uid, app.name, now]);
    const application = toApplication(row as Record<string, unknown>);
    for (const ep of app.endpoints) {
      const current = await getEndpoint(tx, application.id, ep.uid);
      const { secrets, disabled, reason } = syncedEndpointState(current, ep, generateSecret);
      const values = [
        ep.url, ep.description, json(sealSecrets(secrets)), json(ep.filterTypes), json(ep.retryScheduleMs), ep.timeoutMs,
        ep.concurrency, json(ep.headers), disabled, reason, now,
      ];
      if (current) {
        await tx.run(`UPDATE endpoints SET url = $1, description = $2, secrets = $3, filter_types = $4, retry_schedule = $5,
          timeout_ms = $6, concurrency = $7, headers = $8, disabled = $9, disabled_reason = $10, updated_at = $11, origin = 'config'
          WHERE id = $12`, [...values, current.id]);
      } else {
        await tx.run(`INSERT INTO endpoints (url, description, secrets, filter_types, retry_schedule, timeout_ms, concurrency,
          headers, disabled, disabled_reason, updated_at, id, app_id, uid, created_at, origin)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $11, 'config')`,
        [...values, newId('ep'), application.id, ep.uid]);
      }
      // Ordering and routing keys are written apart from the columns above, which the outbound API shares.
      const o = orderingColumns(ep);
      await tx.run(`UPDATE endpoints SET fifo = $1, stale_policy = $2, on_dead = $3, reorder_window_ms = $4, filter = $5, record_skipped = $6
        WHERE app_id = $7 AND uid = $8`, [o.fifo, o.stalePolicy, o.onDead, o.reorderWindowMs, json(o.filter), o.recordSkipped, application.id, ep.uid]);
      await tx.run('UPDATE endpoints SET provider_signature = $1 WHERE app_id = $2 AND uid = $3', [ep.providerSignature ?? defaults.providerSignature, application.id, ep.uid]);
      // Only when the YAML names one: a transformation set through the API survives a restart otherwise.
      if (ep.transformation !== undefined) {
        await tx.run('UPDATE endpoints SET transformation = $1 WHERE app_id = $2 AND uid = $3', [json(ep.transformation), application.id, ep.uid]);
      }
    }
    return application;
  });
}
