import { num, type Row } from '../columns.ts';
import { newId } from '../ids.ts';
import type { ApplicationInput, Created, EndpointInput, EndpointStats, ListQuery } from '../management.ts';
import type { Application, Endpoint, Page, ProviderSignature } from '../records.ts';
import { toApplication, toEndpoint } from '../rows.ts';
import { sealSecrets } from '../secret-box.ts';
import { getApplication, getEndpoint } from './applications.ts';
import { all, get, json, lock, type Op, run, wake } from './op.ts';
import { pageById } from './paging.ts';

/** Newest-first pages by id over one table (see `pageById`). */
function* page<T extends { id: string }>(
  table: 'applications' | 'endpoints',
  where: string[],
  params: unknown[],
  q: ListQuery,
  map: (r: Row) => T,
): Op<Page<T>> {
  return yield* pageById(table, where, params, q.limit, q.iterator, map);
}

export function* listApplications(q: ListQuery): Op<Page<Application>> {
  return yield* page('applications', [], [], q, toApplication);
}

/**
 * Whether another application has this uid (or id). Checked under a lock on
 * the uid, so two processes creating the same uid at once cannot both pass the
 * check (the unique index would still catch it, as a 500).
 */
function* uidTaken(uid: string | null, self: string | null): Op<boolean> {
  if (uid === null) return false;
  yield* lock(`app-uid:${uid}`);
  const row = yield* get('SELECT id FROM applications WHERE uid = ? OR id = ?', [uid, uid]);
  return row !== undefined && row.id !== self;
}

export function* createApplication(a: ApplicationInput, now: number): Op<Created<Application>> {
  if (yield* uidTaken(a.uid, null)) return { conflict: `an application with uid "${a.uid}" exists` };
  const row = yield* get(
    `INSERT INTO applications (id, uid, name, throttle_rate, metadata, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    [newId('app'), a.uid, a.name, a.throttleRate, json(a.metadata), now, now],
  );
  return { ok: toApplication(row as Row) };
}

export function* updateApplication(id: string, a: ApplicationInput, now: number): Op<Created<Application> | null> {
  if (!(yield* getApplication(id))) return null;
  if (yield* uidTaken(a.uid, id)) return { conflict: `an application with uid "${a.uid}" exists` };
  const row = yield* get(
    `UPDATE applications SET uid = ?, name = ?, throttle_rate = ?, metadata = ?, updated_at = ?
    WHERE id = ? RETURNING *`,
    [a.uid, a.name, a.throttleRate, json(a.metadata), now, id],
  );
  return { ok: toApplication(row as Row) };
}

export function* deleteApplication(id: string): Op<boolean> {
  yield* run('DELETE FROM endpoint_health WHERE endpoint_id IN (SELECT id FROM endpoints WHERE app_id = ?)', [id]);
  for (const table of ['attempts', 'deliveries', 'messages', 'endpoints']) yield* run(`DELETE FROM ${table} WHERE app_id = ?`, [id]);
  yield* run('DELETE FROM dedupe WHERE scope = ?', [`app:${id}`]);
  return (yield* run('DELETE FROM applications WHERE id = ?', [id])) > 0;
}

export function* listEndpointPage(appId: string, q: ListQuery): Op<Page<Endpoint>> {
  return yield* page('endpoints', ['app_id = ?'], [appId], q, toEndpoint);
}

function* endpointUidTaken(appId: string, uid: string | null, self: string | null): Op<boolean> {
  if (uid === null) return false;
  yield* lock(`ep-uid:${appId}:${uid}`);
  const row = yield* get('SELECT id FROM endpoints WHERE app_id = ? AND (uid = ? OR id = ?)', [appId, uid, uid]);
  return row !== undefined && row.id !== self;
}

function endpointValues(e: EndpointInput): unknown[] {
  return [
    e.uid,
    e.url,
    e.description,
    json(sealSecrets(e.secrets)),
    json(e.filterTypes),
    json(e.channels),
    e.throttleRate,
    json(e.metadata),
    e.version,
    json(e.headers),
    e.disabled,
    e.signatureStyle,
  ];
}

/** `defaultSignature`: what an endpoint created without `providerSignature` gets. */
export function* createEndpoint(appId: string, e: EndpointInput, defaultSignature: ProviderSignature, now: number): Op<Created<Endpoint>> {
  if (yield* endpointUidTaken(appId, e.uid, null)) return { conflict: `an endpoint with uid "${e.uid}" exists` };
  const row = yield* get(
    `INSERT INTO endpoints (uid, url, description, secrets, filter_types, channels, throttle_rate, metadata,
    version, headers, disabled, signature_style, disabled_reason, id, app_id, created_at, updated_at, origin, provider_signature)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'api', ?) RETURNING *`,
    [
      ...endpointValues(e),
      e.disabled ? 'disabled through the API' : null,
      newId('ep'),
      appId,
      now,
      now,
      e.providerSignature ?? defaultSignature,
    ],
  );
  return { ok: toEndpoint(yield* withRetrySchedule(row as Row, e)) };
}

export function* updateEndpoint(appId: string, id: string, e: EndpointInput, now: number): Op<Created<Endpoint> | null> {
  const current = yield* getEndpoint(appId, id);
  if (!current) return null;
  if (yield* endpointUidTaken(appId, e.uid, current.id)) return { conflict: `an endpoint with uid "${e.uid}" exists` };
  const reason = !e.disabled ? null : current.disabled ? current.disabledReason : 'disabled through the API';
  const row = yield* get(
    `UPDATE endpoints SET uid = ?, url = ?, description = ?, secrets = ?, filter_types = ?, channels = ?,
    throttle_rate = ?, metadata = ?, version = ?, headers = ?, disabled = ?, signature_style = ?, disabled_reason = ?,
    provider_signature = ?, updated_at = ? WHERE id = ? RETURNING *`,
    [...endpointValues(e), reason, e.providerSignature ?? current.providerSignature, now, current.id],
  );
  // Re-enabling starts the breaker afresh: the operator says the receiver is back.
  if (current.disabled && !e.disabled) {
    yield* run('DELETE FROM endpoint_health WHERE endpoint_id = ?', [current.id]);
    yield* wake();
  }
  return { ok: toEndpoint(yield* withRetrySchedule(row as Row, e)) };
}

/** The endpoint's row with the retry schedule the input names (an absent one leaves the stored schedule, the YAML's or the API's, as it is). */
function* withRetrySchedule(row: Row, e: EndpointInput): Op<Row> {
  if (e.retryScheduleMs === undefined) return row;
  return (yield* get('UPDATE endpoints SET retry_schedule = ? WHERE id = ? RETURNING *', [json(e.retryScheduleMs), row.id])) as Row;
}

export function* deleteEndpoint(appId: string, id: string): Op<boolean> {
  const current = yield* getEndpoint(appId, id);
  if (!current) return false;
  yield* run('DELETE FROM deliveries WHERE endpoint_id = ?', [current.id]);
  yield* run('DELETE FROM endpoint_health WHERE endpoint_id = ?', [current.id]);
  yield* run('DELETE FROM endpoints WHERE id = ?', [current.id]);
  return true;
}

export function* endpointStats(appId: string, endpointId: string): Op<EndpointStats> {
  const out: EndpointStats = { success: 0, pending: 0, sending: 0, fail: 0, canceled: 0 };
  for (const row of yield* all('SELECT state, count(*) AS n FROM deliveries WHERE app_id = ? AND endpoint_id = ? GROUP BY state', [
    appId,
    endpointId,
  ])) {
    const n = num(row.n);
    if (row.state === 'succeeded') out.success += n;
    else if (row.state === 'in_flight') out.sending += n;
    else if (row.state === 'dead') out.fail += n;
    else if (row.state === 'pending' || row.state === 'scheduled') out.pending += n;
    else if (row.state === 'skipped') out.canceled += n;
  }
  return out;
}

export function* recoverEndpoint(appId: string, endpointId: string, since: number, until: number, now: number): Op<number> {
  const queued = yield* run(
    `UPDATE deliveries SET state = 'pending', manual = ?, next_attempt_at = ?, updated_at = ?
    WHERE app_id = ? AND endpoint_id = ? AND state = 'dead' AND created_at >= ? AND created_at < ?`,
    [true, now, now, appId, endpointId, since, until],
  );
  if (queued > 0) yield* wake();
  return queued;
}

export function* ingestForEndpoint(appId: string, endpointId: string, eventType: string, payload: Buffer, now: number): Op<string> {
  const id = newId('msg');
  yield* run(
    `INSERT INTO messages (id, app_id, source, event_type, payload, content_type, headers, state, received_at)
    VALUES (?, ?, NULL, ?, ?, 'application/json', '{}', 'accepted', ?)`,
    [id, appId, eventType, payload, now],
  );
  yield* run(
    `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, state, attempts, next_attempt_at, created_at, updated_at)
    VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
    [newId('dlv'), id, endpointId, appId, now, now, now],
  );
  yield* wake();
  return id;
}
