import { bool, jsonOr, num, type Row, strOrNull } from '../columns.ts';
import { pageCursor, toPage } from '../page.ts';
import type { EndpointSecret, Page } from '../records.ts';
import { openSecrets, sealSecrets, secretsStale } from '../secret-box.ts';
import type { AuditEntry, AuditQuery, NetworkPolicyRecord } from '../security.ts';
import { all, get, json, type Op, run } from './op.ts';

function toAudit(r: Row): AuditEntry {
  return {
    id: r.id as string,
    at: num(r.at),
    principalKind: r.principal_kind as string,
    principalName: r.principal_name as string,
    action: r.action as string,
    object: strOrNull(r.object),
    appId: strOrNull(r.app_id),
    status: num(r.status),
    remoteAddr: r.remote_addr as string,
  };
}

/** Multi-row inserts of 100 entries (well under either database's parameter limit). Audit writes need no fsync of their own. */
export function* insertAudit(entries: AuditEntry[]): Op<void> {
  for (let i = 0; i < entries.length; i += 100) {
    const chunk = entries.slice(i, i + 100);
    yield* run(
      `INSERT INTO audit_log (id, at, principal_kind, principal_name, action, object, app_id, status, remote_addr)
      VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flatMap((e) => [e.id, e.at, e.principalKind, e.principalName, e.action, e.object, e.appId, e.status, e.remoteAddr]),
    );
  }
}

export function* listAudit(q: AuditQuery): Op<Page<AuditEntry>> {
  const cursor = pageCursor(q.iterator);
  const conditions: string[] = [];
  const values: unknown[] = [];
  if (q.principal !== undefined) {
    conditions.push('principal_name = ?');
    values.push(q.principal);
  }
  if (q.appId !== undefined) {
    conditions.push('app_id = ?');
    values.push(q.appId);
  }
  if (cursor) {
    conditions.push(cursor.backwards ? 'id > ?' : 'id < ?');
    values.push(cursor.id);
  }
  values.push(q.limit + 1);
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const rows = yield* all(`SELECT * FROM audit_log ${where} ORDER BY id ${cursor?.backwards ? 'ASC' : 'DESC'} LIMIT ?`, values);
  return toPage(rows.map(toAudit), q.limit, q.iterator);
}

export function* removeAuditBefore(before: number): Op<number> {
  return yield* run('DELETE FROM audit_log WHERE at < ?', [before]);
}

export function* getNetworkPolicy(appId: string): Op<NetworkPolicyRecord | null> {
  const row = yield* get('SELECT allow_all, allow_cidrs FROM application_network_policies WHERE app_id = ?', [appId]);
  return row ? { allowAll: bool(row.allow_all), allowCidrs: jsonOr<string[]>(row.allow_cidrs, []) } : null;
}

export function* setNetworkPolicy(appId: string, policy: NetworkPolicyRecord | null, now: number): Op<void> {
  if (policy === null) {
    yield* run('DELETE FROM application_network_policies WHERE app_id = ?', [appId]);
    return;
  }
  yield* run(
    `INSERT INTO application_network_policies (app_id, allow_all, allow_cidrs, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (app_id) DO UPDATE SET allow_all = excluded.allow_all, allow_cidrs = excluded.allow_cidrs, updated_at = excluded.updated_at`,
    [appId, policy.allowAll, json(policy.allowCidrs), now],
  );
}

/** Seals every endpoint secret again under the current key (`sluice keys rotate`); returns how many endpoints changed. */
export function* resealSecrets(): Op<number> {
  let n = 0;
  for (const row of yield* all('SELECT id, secrets FROM endpoints')) {
    const stored = jsonOr<EndpointSecret[]>(row.secrets, []);
    if (!secretsStale(stored)) continue;
    // Only if nobody changed them meanwhile: a concurrent rotation's write wins.
    n += yield* run('UPDATE endpoints SET secrets = ? WHERE id = ? AND secrets = ?', [
      json(sealSecrets(openSecrets(stored))),
      row.id,
      json(stored),
    ]);
  }
  return n;
}
