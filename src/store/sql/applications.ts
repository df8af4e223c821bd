import { orderingColumns, syncedEndpointState, type SyncedApplication } from '../endpoint-sync.ts';
import { newId } from '../ids.ts';
import type { Application, Endpoint } from '../records.ts';
import { toApplication, toEndpoint } from '../rows.ts';
import type { EndpointDefaults } from '../rules.ts';
import { sealSecrets } from '../secret-box.ts';
import { all, get, json, type Op, run } from './op.ts';

export function* getApplication(idOrUid: string): Op<Application | null> {
  const row = yield* get('SELECT * FROM applications WHERE id = ? OR uid = ?', [idOrUid, idOrUid]);
  return row ? toApplication(row) : null;
}

export function* listEndpoints(appId: string): Op<Endpoint[]> {
  return (yield* all('SELECT * FROM endpoints WHERE app_id = ? ORDER BY id', [appId])).map(toEndpoint);
}

export function* getEndpoint(appId: string, idOrUid: string): Op<Endpoint | null> {
  const row = yield* get('SELECT * FROM endpoints WHERE app_id = ? AND (id = ? OR uid = ?)', [appId, idOrUid, idOrUid]);
  return row ? toEndpoint(row) : null;
}

/**
 * Upserts a YAML-declared application and its endpoints by uid (see
 * `syncedEndpointState` for what an existing endpoint keeps). Run it atomic.
 *
 * Several PostgreSQL processes start with the same config at once: the
 * application row is upserted first, and that row lock (held to commit) makes
 * the others wait and then see this one's endpoints, so they agree on
 * generated secrets.
 */
export function* syncApplication(
  app: SyncedApplication,
  defaults: EndpointDefaults,
  generateSecret: () => string,
  now: number,
): Op<Application> {
  const row = yield* get(
    `INSERT INTO applications (id, uid, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (uid) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at RETURNING *`,
    [newId('app'), app.uid, app.name, now, now],
  );
  const application = toApplication(row as Record<string, unknown>);
  for (const ep of app.endpoints) {
    const current = yield* getEndpoint(application.id, ep.uid);
    const { secrets, disabled, reason } = syncedEndpointState(current, ep, generateSecret);
    const values = [
      ep.url,
      ep.description,
      json(sealSecrets(secrets)),
      json(ep.filterTypes),
      json(ep.retryScheduleMs),
      ep.timeoutMs,
      ep.concurrency,
      json(ep.headers),
      disabled,
      reason,
      now,
    ];
    if (current) {
      yield* run(
        `UPDATE endpoints SET url = ?, description = ?, secrets = ?, filter_types = ?, retry_schedule = ?,
        timeout_ms = ?, concurrency = ?, headers = ?, disabled = ?, disabled_reason = ?, updated_at = ?, origin = 'config'
        WHERE id = ?`,
        [...values, current.id],
      );
    } else {
      yield* run(
        `INSERT INTO endpoints (url, description, secrets, filter_types, retry_schedule, timeout_ms, concurrency,
        headers, disabled, disabled_reason, updated_at, id, app_id, uid, created_at, origin)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'config')`,
        [...values, newId('ep'), application.id, ep.uid, now],
      );
    }
    // Ordering and routing keys are written apart from the columns above, which the outbound API shares.
    const o = orderingColumns(ep, defaults);
    yield* run(
      `UPDATE endpoints SET fifo = ?, stale_policy = ?, on_dead = ?, reorder_window_ms = ?, filter = ?, record_skipped = ?,
      provider_signature = ? WHERE app_id = ? AND uid = ?`,
      [
        o.fifo,
        o.stalePolicy,
        o.onDead,
        o.reorderWindowMs,
        json(o.filter),
        o.recordSkipped,
        ep.providerSignature ?? defaults.providerSignature,
        application.id,
        ep.uid,
      ],
    );
    // Only when the YAML names one: a transformation set through the API survives a restart otherwise.
    if (ep.transformation !== undefined) {
      yield* run('UPDATE endpoints SET transformation = ? WHERE app_id = ? AND uid = ?', [json(ep.transformation), application.id, ep.uid]);
    }
  }
  return application;
}
