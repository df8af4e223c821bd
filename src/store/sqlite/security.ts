import { pageCursor, toPage } from '../page.ts';
import type { EndpointSecret, Page } from '../records.ts';
import { openSecrets, sealSecrets, secretsStale } from '../secret-box.ts';
import type { AuditEntry, AuditQuery, NetworkPolicyRecord } from '../security.ts';
import { json, parseJson, type Row, type SqliteDb } from './db.ts';

function toAudit(r: Row): AuditEntry {
  return {
    id: r.id as string, at: r.at as number, principalKind: r.principal_kind as string, principalName: r.principal_name as string,
    action: r.action as string, object: (r.object as string | null) ?? null, appId: (r.app_id as string | null) ?? null,
    status: r.status as number, remoteAddr: r.remote_addr as string,
  };
}

/** Audit writes need no fsync of their own: the next durable commit syncs them (WAL). */
export function insertAudit(db: SqliteDb, entries: AuditEntry[]): void {
  db.tx(false, () => {
    const insert = db.stmt(`INSERT INTO audit_log (id, at, principal_kind, principal_name, action, object, app_id, status, remote_addr)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const e of entries) insert.run(e.id, e.at, e.principalKind, e.principalName, e.action, e.object, e.appId, e.status, e.remoteAddr);
  });
}

export function listAudit(db: SqliteDb, q: AuditQuery): Page<AuditEntry> {
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
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const rows = db.stmt(`SELECT * FROM audit_log ${where} ORDER BY id ${cursor?.backwards ? 'ASC' : 'DESC'} LIMIT ?`).all(...values, q.limit + 1);
  return toPage(rows.map(toAudit), q.limit, q.iterator);
}

export function removeAuditBefore(db: SqliteDb, before: number): number {
  return db.tx(false, () => db.stmt('DELETE FROM audit_log WHERE at < ?').run(before).changes);
}

export function getNetworkPolicy(db: SqliteDb, appId: string): NetworkPolicyRecord | null {
  const row = db.stmt('SELECT allow_all, allow_cidrs FROM application_network_policies WHERE app_id = ?').get(appId);
  return row ? { allowAll: row.allow_all === 1, allowCidrs: parseJson<string[]>(row.allow_cidrs, []) } : null;
}

export function setNetworkPolicy(db: SqliteDb, appId: string, policy: NetworkPolicyRecord | null, now: number): void {
  db.tx(true, () => {
    if (policy === null) db.stmt('DELETE FROM application_network_policies WHERE app_id = ?').run(appId);
    else db.stmt(`INSERT INTO application_network_policies (app_id, allow_all, allow_cidrs, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (app_id) DO UPDATE SET allow_all = excluded.allow_all, allow_cidrs = excluded.allow_cidrs, updated_at = excluded.updated_at`)
      .run(appId, policy.allowAll ? 1 : 0, json(policy.allowCidrs), now);
  });
}

export function resealSecrets(db: SqliteDb): number {
  return db.tx(true, () => {
    let n = 0;
    for (const row of db.stmt('SELECT id, secrets FROM endpoints').all()) {
      const stored = parseJson<EndpointSecret[]>(row.secrets, []);
      if (!secretsStale(stored)) continue;
      db.stmt('UPDATE endpoints SET secrets = ? WHERE id = ?').run(json(sealSecrets(openSecrets(stored))), row.id);
      n++;
    }
    return n;
  });
}
