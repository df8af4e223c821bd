import { defaults } from '../../config/defaults.ts';
import { sealSecrets } from '../secret-box.ts';
import { newId } from '../ids.ts';
import type { ApplicationInput, Created, EndpointInput, EndpointStats, ListQuery } from '../outbound.ts';
import { pageCursor, toPage } from '../page.ts';
import type { Application, Endpoint, Page } from '../records.ts';
import { getApplication, getEndpoint } from '../sql/applications.ts';
import { runOp } from './drive.ts';
import { json, type PgDb, type Queryable, type Row } from './db.ts';
import { notifyDue } from './notify.ts';
import { toApplication, toEndpoint } from '../rows.ts';
import { num } from '../columns.ts';

/** Newest-first pages by id over one table, like messages and attempts. */
async function page<T extends { id: string }>(db: Queryable, table: 'applications' | 'endpoints', where: string[], params: unknown[],
  q: ListQuery, map: (r: Row) => T): Promise<Page<T>> {
  const cursor = pageCursor(q.iterator);
  const conditions = [...where];
  const values = [...params];
  if (cursor) {
    values.push(cursor.id);
    conditions.push(`id ${cursor.backwards ? '>' : '<'} $${values.length}`);
  }
  values.push(q.limit + 1);
  const filter = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const rows = await db.query(`SELECT * FROM ${table} ${filter} ORDER BY id ${cursor?.backwards ? 'ASC' : 'DESC'} LIMIT $${values.length}`, values);
  return toPage(rows.map(map), q.limit, q.iterator);
}

export async function listApplications(db: Queryable, q: ListQuery): Promise<Page<Application>> {
  return page(db, 'applications', [], [], q, toApplication);
}

/**
 * Whether another application has this uid (or id). Checked under an advisory
 * lock on the uid, so two processes creating the same uid at once cannot both
 * pass the check (the unique index would still catch it, as a 500).
 */
async function uidTaken(tx: Queryable, uid: string | null, self: string | null): Promise<boolean> {
  if (uid === null) return false;
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`app-uid:${uid}`]);
  const [row] = await tx.query('SELECT id FROM applications WHERE uid = $1 OR id = $1', [uid]);
  return row !== undefined && row.id !== self;
}

export async function createApplication(db: PgDb, a: ApplicationInput, now: number): Promise<Created<Application>> {
  return db.tx(async (tx) => {
    if (await uidTaken(tx, a.uid, null)) return { conflict: `an application with uid "${a.uid}" exists` };
    const [row] = await tx.query(`INSERT INTO applications (id, uid, name, throttle_rate, metadata, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING *`, [newId('app'), a.uid, a.name, a.throttleRate, json(a.metadata), now]);
    return { ok: toApplication(row as Row) };
  });
}

export async function updateApplication(db: PgDb, id: string, a: ApplicationInput, now: number): Promise<Created<Application> | null> {
  return db.tx(async (tx) => {
    if (!(await runOp(tx, getApplication(id)))) return null;
    if (await uidTaken(tx, a.uid, id)) return { conflict: `an application with uid "${a.uid}" exists` };
    const [row] = await tx.query(`UPDATE applications SET uid = $1, name = $2, throttle_rate = $3, metadata = $4, updated_at = $5
      WHERE id = $6 RETURNING *`, [a.uid, a.name, a.throttleRate, json(a.metadata), now, id]);
    return { ok: toApplication(row as Row) };
  });
}

export async function deleteApplication(db: PgDb, id: string): Promise<boolean> {
  return db.tx(async (tx) => {
    await tx.run('DELETE FROM endpoint_health WHERE endpoint_id IN (SELECT id FROM endpoints WHERE app_id = $1)', [id]);
    for (const table of ['attempts', 'deliveries', 'messages', 'endpoints']) await tx.run(`DELETE FROM ${table} WHERE app_id = $1`, [id]);
    await tx.run('DELETE FROM dedupe WHERE scope = $1', [`app:${id}`]);
    return (await tx.run('DELETE FROM applications WHERE id = $1', [id])) > 0;
  });
}

export async function listEndpointPage(db: Queryable, appId: string, q: ListQuery): Promise<Page<Endpoint>> {
  return page(db, 'endpoints', ['app_id = $1'], [appId], q, toEndpoint);
}

async function endpointUidTaken(tx: Queryable, appId: string, uid: string | null, self: string | null): Promise<boolean> {
  if (uid === null) return false;
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ep-uid:${appId}:${uid}`]);
  const [row] = await tx.query('SELECT id FROM endpoints WHERE app_id = $1 AND (uid = $2 OR id = $2)', [appId, uid]);
  return row !== undefined && row.id !== self;
}

function endpointValues(e: EndpointInput): unknown[] {
  return [e.uid, e.url, e.description, json(sealSecrets(e.secrets)), json(e.filterTypes), json(e.channels), e.throttleRate, json(e.metadata),
    e.version, json(e.headers), e.disabled, e.signatureStyle];
}

export async function createEndpoint(db: PgDb, appId: string, e: EndpointInput, now: number): Promise<Created<Endpoint>> {
  return db.tx(async (tx) => {
    if (await endpointUidTaken(tx, appId, e.uid, null)) return { conflict: `an endpoint with uid "${e.uid}" exists` };
    const [row] = await tx.query(`INSERT INTO endpoints (uid, url, description, secrets, filter_types, channels, throttle_rate, metadata,
      version, headers, disabled, signature_style, disabled_reason, id, app_id, created_at, updated_at, origin)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, 'api') RETURNING *`,
    [...endpointValues(e), e.disabled ? 'disabled through the API' : null, newId('ep'), appId, now]);
    const [withSignature] = await tx.query('UPDATE endpoints SET provider_signature = $1 WHERE id = $2 RETURNING *',
      [e.providerSignature ?? defaults.providerSignature, (row as Row).id]);
    return { ok: toEndpoint(withSignature as Row) };
  });
}

export async function updateEndpoint(db: PgDb, appId: string, id: string, e: EndpointInput, now: number): Promise<Created<Endpoint> | null> {
  return db.tx(async (tx) => {
    const current = await runOp(tx, getEndpoint(appId, id));
    if (!current) return null;
    if (await endpointUidTaken(tx, appId, e.uid, current.id)) return { conflict: `an endpoint with uid "${e.uid}" exists` };
    const reason = !e.disabled ? null : current.disabled ? current.disabledReason : 'disabled through the API';
    const [row] = await tx.query(`UPDATE endpoints SET uid = $1, url = $2, description = $3, secrets = $4, filter_types = $5, channels = $6,
      throttle_rate = $7, metadata = $8, version = $9, headers = $10, disabled = $11, signature_style = $12, disabled_reason = $13,
      updated_at = $14 WHERE id = $15 RETURNING *`, [...endpointValues(e), reason, now, current.id]);
    if (e.providerSignature) {
      await tx.run('UPDATE endpoints SET provider_signature = $1 WHERE id = $2', [e.providerSignature, current.id]);
      (row as Row).provider_signature = e.providerSignature;
    }
    // Re-enabling starts the breaker afresh: the operator says the receiver is back.
    if (current.disabled && !e.disabled) {
      await tx.run('DELETE FROM endpoint_health WHERE endpoint_id = $1', [current.id]);
      await notifyDue(tx, db.dueChannel);
    }
    return { ok: toEndpoint(row as Row) };
  });
}

export async function deleteEndpoint(db: PgDb, appId: string, id: string): Promise<boolean> {
  return db.tx(async (tx) => {
    const current = await runOp(tx, getEndpoint(appId, id));
    if (!current) return false;
    await tx.run('DELETE FROM deliveries WHERE endpoint_id = $1', [current.id]);
    await tx.run('DELETE FROM endpoint_health WHERE endpoint_id = $1', [current.id]);
    await tx.run('DELETE FROM endpoints WHERE id = $1', [current.id]);
    return true;
  });
}

export async function endpointStats(db: Queryable, appId: string, endpointId: string): Promise<EndpointStats> {
  const out: EndpointStats = { success: 0, pending: 0, sending: 0, fail: 0, canceled: 0 };
  for (const row of await db.query('SELECT state, count(*) AS n FROM deliveries WHERE app_id = $1 AND endpoint_id = $2 GROUP BY state', [appId, endpointId])) {
    const n = num(row.n);
    if (row.state === 'succeeded') out.success += n;
    else if (row.state === 'in_flight') out.sending += n;
    else if (row.state === 'dead') out.fail += n;
    else if (row.state === 'pending' || row.state === 'scheduled') out.pending += n;
    else if (row.state === 'skipped') out.canceled += n;
  }
  return out;
}

export async function recoverEndpoint(db: PgDb, appId: string, endpointId: string, since: number, until: number, now: number): Promise<number> {
  return db.tx(async (tx) => {
    const queued = await tx.run(`UPDATE deliveries SET state = 'pending', manual = true, next_attempt_at = $1, updated_at = $1
      WHERE app_id = $2 AND endpoint_id = $3 AND state = 'dead' AND created_at >= $4 AND created_at < $5`, [now, appId, endpointId, since, until]);
    if (queued > 0) await notifyDue(tx, db.dueChannel);
    return queued;
  });
}

export async function ingestForEndpoint(db: PgDb, appId: string, endpointId: string, eventType: string, payload: Buffer, now: number): Promise<string> {
  return db.tx(async (tx) => {
    const id = newId('msg');
    await tx.run(`INSERT INTO messages (id, app_id, source, event_type, payload, content_type, headers, state, received_at)
      VALUES ($1, $2, NULL, $3, $4, 'application/json', '{}', 'accepted', $5)`, [id, appId, eventType, payload, now]);
    await tx.run(`INSERT INTO deliveries (id, message_id, endpoint_id, app_id, state, attempts, next_attempt_at, created_at, updated_at)
      VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5, $5)`, [newId('dlv'), id, endpointId, appId, now]);
    await notifyDue(tx, db.dueChannel);
    return id;
  });
}
