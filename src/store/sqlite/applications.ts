import { defaults } from '../../config/defaults.ts';
import { sealSecrets } from '../secret-box.ts';
import type { ApplicationConfig } from '../../config/types.ts';
import { newId } from '../ids.ts';
import { orderingColumns, syncedEndpointState } from '../endpoint-sync.ts';
import type { Application, Endpoint } from '../records.ts';
import { json, type SqliteDb } from './db.ts';
import { toApplication, toEndpoint } from '../rows.ts';

export function getApplication(db: SqliteDb, idOrUid: string): Application | null {
  const row = db.stmt('SELECT * FROM applications WHERE id = ? OR uid = ?').get(idOrUid, idOrUid);
  return row ? toApplication(row) : null;
}

export function listEndpoints(db: SqliteDb, appId: string): Endpoint[] {
  return db.stmt('SELECT * FROM endpoints WHERE app_id = ? ORDER BY id').all(appId).map(toEndpoint);
}

export function getEndpoint(db: SqliteDb, appId: string, idOrUid: string): Endpoint | null {
  const row = db.stmt('SELECT * FROM endpoints WHERE app_id = ? AND (id = ? OR uid = ?)').get(appId, idOrUid, idOrUid);
  return row ? toEndpoint(row) : null;
}

/**
 * Upserts a YAML-declared application and its endpoints by uid (see
 * `syncedEndpointState` for what an existing endpoint keeps).
 */
export function syncApplication(db: SqliteDb, app: ApplicationConfig, generateSecret: () => string): Application {
  const now = Date.now();
  return db.tx(true, () => {
    let existing = getApplication(db, app.uid);
    if (existing) {
      db.stmt('UPDATE applications SET name = ?, updated_at = ? WHERE id = ?').run(app.name, now, existing.id);
    } else {
      const id = newId('app');
      db.stmt('INSERT INTO applications (id, uid, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, app.uid, app.name, now, now);
    }
    existing = getApplication(db, app.uid) as Application;
    for (const ep of app.endpoints) {
      const current = getEndpoint(db, existing.id, ep.uid);
      const { secrets, disabled, reason } = syncedEndpointState(current, ep, generateSecret);
      const values = [
        ep.url, ep.description, json(sealSecrets(secrets)), json(ep.filterTypes), json(ep.retryScheduleMs), ep.timeoutMs,
        ep.concurrency, json(ep.headers), disabled ? 1 : 0, reason, now,
      ];
      if (current) {
        db.stmt(`UPDATE endpoints SET url = ?, description = ?, secrets = ?, filter_types = ?, retry_schedule = ?,
          timeout_ms = ?, concurrency = ?, headers = ?, disabled = ?, disabled_reason = ?, updated_at = ?, origin = 'config'
          WHERE id = ?`).run(...values, current.id);
      } else {
        db.stmt(`INSERT INTO endpoints (url, description, secrets, filter_types, retry_schedule, timeout_ms, concurrency,
          headers, disabled, disabled_reason, updated_at, id, app_id, uid, created_at, origin)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'config')`).run(...values, newId('ep'), existing.id, ep.uid, now);
      }
      // Ordering and routing keys are written apart from the columns above, which the outbound API shares.
      const o = orderingColumns(ep);
      db.stmt(`UPDATE endpoints SET fifo = ?, stale_policy = ?, on_dead = ?, reorder_window_ms = ?, filter = ?, record_skipped = ?
        WHERE app_id = ? AND uid = ?`).run(o.fifo ? 1 : 0, o.stalePolicy, o.onDead, o.reorderWindowMs, json(o.filter), o.recordSkipped ? 1 : 0,
        existing.id, ep.uid);
      db.stmt('UPDATE endpoints SET provider_signature = ? WHERE app_id = ? AND uid = ?').run(ep.providerSignature ?? defaults.providerSignature, existing.id, ep.uid);
      // Only when the YAML names one: a transformation set through the API survives a restart otherwise.
      if (ep.transformation !== undefined) {
        db.stmt('UPDATE endpoints SET transformation = ? WHERE app_id = ? AND uid = ?').run(json(ep.transformation), existing.id, ep.uid);
      }
    }
    return existing;
  });
}
