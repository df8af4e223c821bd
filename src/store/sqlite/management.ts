import { defaults } from '../../config/defaults.ts';
import { sealSecrets } from '../secret-box.ts';
import { newId } from '../ids.ts';
import type { ApplicationInput, Created, EndpointInput, EndpointStats, ListQuery } from '../outbound.ts';
import { pageCursor, toPage } from '../page.ts';
import type { Application, Endpoint, Page } from '../records.ts';
import { getApplication, getEndpoint } from '../sql/applications.ts';
import { runOp } from './drive.ts';
import { json, type Row, type SqliteDb } from './db.ts';
import { toApplication, toEndpoint } from '../rows.ts';

/** Newest-first pages by id over one table, like messages and attempts. */
function page<T extends { id: string }>(db: SqliteDb, table: 'applications' | 'endpoints', where: string[], params: unknown[],
  q: ListQuery, map: (r: Row) => T): Page<T> {
  const cursor = pageCursor(q.iterator);
  const conditions = [...where];
  const values = [...params];
  if (cursor) {
    conditions.push(cursor.backwards ? 'id > ?' : 'id < ?');
    values.push(cursor.id);
  }
  const filter = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const rows = db.stmt(`SELECT * FROM ${table} ${filter} ORDER BY id ${cursor?.backwards ? 'ASC' : 'DESC'} LIMIT ?`).all(...values, q.limit + 1);
  return toPage(rows.map(map), q.limit, q.iterator);
}

export function listApplications(db: SqliteDb, q: ListQuery): Page<Application> {
  return page(db, 'applications', [], [], q, toApplication);
}

function uidTaken(db: SqliteDb, uid: string | null, self: string | null): boolean {
  if (uid === null) return false;
  const row = db.stmt('SELECT id FROM applications WHERE uid = ? OR id = ?').get(uid, uid);
  return row !== undefined && row.id !== self;
}

export function createApplication(db: SqliteDb, a: ApplicationInput, now: number): Created<Application> {
  return db.tx(true, () => {
    if (uidTaken(db, a.uid, null)) return { conflict: `an application with uid "${a.uid}" exists` };
    const id = newId('app');
    db.stmt(`INSERT INTO applications (id, uid, name, throttle_rate, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(id, a.uid, a.name, a.throttleRate, json(a.metadata), now, now);
    return { ok: runOp(db, getApplication(id)) as Application };
  });
}

export function updateApplication(db: SqliteDb, id: string, a: ApplicationInput, now: number): Created<Application> | null {
  return db.tx(true, () => {
    if (!runOp(db, getApplication(id))) return null;
    if (uidTaken(db, a.uid, id)) return { conflict: `an application with uid "${a.uid}" exists` };
    db.stmt('UPDATE applications SET uid = ?, name = ?, throttle_rate = ?, metadata = ?, updated_at = ? WHERE id = ?')
      .run(a.uid, a.name, a.throttleRate, json(a.metadata), now, id);
    return { ok: runOp(db, getApplication(id)) as Application };
  });
}

export function deleteApplication(db: SqliteDb, id: string): boolean {
  return db.tx(true, () => {
    db.stmt('DELETE FROM endpoint_health WHERE endpoint_id IN (SELECT id FROM endpoints WHERE app_id = ?)').run(id);
    for (const table of ['attempts', 'deliveries', 'messages', 'endpoints']) db.stmt(`DELETE FROM ${table} WHERE app_id = ?`).run(id);
    db.stmt('DELETE FROM dedupe WHERE scope = ?').run(`app:${id}`);
    return db.stmt('DELETE FROM applications WHERE id = ?').run(id).changes > 0;
  });
}

export function listEndpointPage(db: SqliteDb, appId: string, q: ListQuery): Page<Endpoint> {
  return page(db, 'endpoints', ['app_id = ?'], [appId], q, toEndpoint);
}

function endpointUidTaken(db: SqliteDb, appId: string, uid: string | null, self: string | null): boolean {
  if (uid === null) return false;
  const row = db.stmt('SELECT id FROM endpoints WHERE app_id = ? AND (uid = ? OR id = ?)').get(appId, uid, uid);
  return row !== undefined && row.id !== self;
}

function endpointValues(e: EndpointInput): unknown[] {
  return [e.uid, e.url, e.description, json(sealSecrets(e.secrets)), json(e.filterTypes), json(e.channels), e.throttleRate, json(e.metadata),
    e.version, json(e.headers), e.disabled ? 1 : 0, e.signatureStyle];
}

export function createEndpoint(db: SqliteDb, appId: string, e: EndpointInput, now: number): Created<Endpoint> {
  return db.tx(true, () => {
    if (endpointUidTaken(db, appId, e.uid, null)) return { conflict: `an endpoint with uid "${e.uid}" exists` };
    const id = newId('ep');
    db.stmt(`INSERT INTO endpoints (uid, url, description, secrets, filter_types, channels, throttle_rate, metadata, version, headers,
      disabled, signature_style, disabled_reason, id, app_id, created_at, updated_at, origin)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'api')`)
      .run(...endpointValues(e), e.disabled ? 'disabled through the API' : null, id, appId, now, now);
    db.stmt('UPDATE endpoints SET provider_signature = ? WHERE id = ?').run(e.providerSignature ?? defaults.providerSignature, id);
    return { ok: runOp(db, getEndpoint(appId, id)) as Endpoint };
  });
}

export function updateEndpoint(db: SqliteDb, appId: string, id: string, e: EndpointInput, now: number): Created<Endpoint> | null {
  return db.tx(true, () => {
    const current = runOp(db, getEndpoint(appId, id));
    if (!current) return null;
    if (endpointUidTaken(db, appId, e.uid, current.id)) return { conflict: `an endpoint with uid "${e.uid}" exists` };
    const reason = !e.disabled ? null : current.disabled ? current.disabledReason : 'disabled through the API';
    db.stmt(`UPDATE endpoints SET uid = ?, url = ?, description = ?, secrets = ?, filter_types = ?, channels = ?, throttle_rate = ?,
      metadata = ?, version = ?, headers = ?, disabled = ?, signature_style = ?, disabled_reason = ?, updated_at = ? WHERE id = ?`)
      .run(...endpointValues(e), reason, now, current.id);
    if (e.providerSignature) db.stmt('UPDATE endpoints SET provider_signature = ? WHERE id = ?').run(e.providerSignature, current.id);
    // Re-enabling starts the breaker afresh: the operator says the receiver is back.
    if (current.disabled && !e.disabled) db.stmt('DELETE FROM endpoint_health WHERE endpoint_id = ?').run(current.id);
    return { ok: runOp(db, getEndpoint(appId, current.id)) as Endpoint };
  });
}

export function deleteEndpoint(db: SqliteDb, appId: string, id: string): boolean {
  return db.tx(true, () => {
    const current = runOp(db, getEndpoint(appId, id));
    if (!current) return false;
    db.stmt('DELETE FROM deliveries WHERE endpoint_id = ?').run(current.id);
    db.stmt('DELETE FROM endpoint_health WHERE endpoint_id = ?').run(current.id);
    db.stmt('DELETE FROM endpoints WHERE id = ?').run(current.id);
    return true;
  });
}

export function endpointStats(db: SqliteDb, appId: string, endpointId: string): EndpointStats {
  const out: EndpointStats = { success: 0, pending: 0, sending: 0, fail: 0, canceled: 0 };
  for (const row of db.stmt('SELECT state, count(*) AS n FROM deliveries WHERE app_id = ? AND endpoint_id = ? GROUP BY state').all(appId, endpointId)) {
    const n = row.n as number;
    if (row.state === 'succeeded') out.success += n;
    else if (row.state === 'in_flight') out.sending += n;
    else if (row.state === 'dead') out.fail += n;
    else if (row.state === 'pending' || row.state === 'scheduled') out.pending += n;
    else if (row.state === 'skipped') out.canceled += n;
  }
  return out;
}

export function recoverEndpoint(db: SqliteDb, appId: string, endpointId: string, since: number, until: number, now: number): number {
  return db.tx(true, () => db.stmt(`UPDATE deliveries SET state = 'pending', manual = 1, next_attempt_at = ?, updated_at = ?
    WHERE app_id = ? AND endpoint_id = ? AND state = 'dead' AND created_at >= ? AND created_at < ?`)
    .run(now, now, appId, endpointId, since, until).changes);
}

export function ingestForEndpoint(db: SqliteDb, appId: string, endpointId: string, eventType: string, payload: Buffer, now: number): string {
  return db.tx(true, () => {
    const id = newId('msg');
    db.stmt(`INSERT INTO messages (id, app_id, source, event_type, payload, content_type, headers, state, received_at)
      VALUES (?, ?, NULL, ?, ?, 'application/json', '{}', 'accepted', ?)`).run(id, appId, eventType, payload, now);
    db.stmt(`INSERT INTO deliveries (id, message_id, endpoint_id, app_id, state, attempts, next_attempt_at, created_at, updated_at)
      VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`).run(newId('dlv'), id, endpointId, appId, now, now, now);
    return id;
  });
}
