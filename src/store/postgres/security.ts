import { pageCursor, toPage } from '../page.ts';
import type { EndpointSecret, Page } from '../records.ts';
import { openSecrets, sealSecrets, secretsStale } from '../secret-box.ts';
import type { AuditEntry, AuditQuery, NetworkPolicyRecord } from '../security.ts';
import { json, type PgDb, type Row } from './db.ts';

function toAudit(r: Row): AuditEntry {
  return {
    id: r.id as string, at: Number(r.at), principalKind: r.principal_kind as string, principalName: r.principal_name as string,
    action: r.action as string, object: (r.object as string | null) ?? null, appId: (r.app_id as string | null) ?? null,
    status: Number(r.status), remoteAddr: r.remote_addr as string,
  };
}

export async function insertAudit(db: PgDb, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const values: unknown[] = [];
  const rows = entries.map((e) => {
    values.push(e.id, e.at, e.principalKind, e.principalName, e.action, e.object, e.appId, e.status, e.remoteAddr);
    const n = values.length - 9;
    return `(${Array.from({ length: 9 }, (_, i) => `$${n + i + 1}`).join(', ')})`;
  });
  await db.run(`INSERT INTO audit_log (id, at, principal_kind, principal_name, action, object, app_id, status, remote_addr) VALUES ${rows.join(', ')}`, values);
}

export async function listAudit(db: PgDb, q: AuditQuery): Promise<Page<AuditEntry>> {
  const cursor = pageCursor(q.iterator);
  const conditions: string[] = [];
  const values: unknown[] = [];
  if (q.principal !== undefined) {
    values.push(q.principal);
    conditions.push(`principal_name = $${values.length}`);
  }
  if (q.appId !== undefined) {
    values.push(q.appId);
    conditions.push(`app_id = $${values.length}`);
  }
  if (cursor) {
    values.push(cursor.id);
    conditions.push(`id ${cursor.backwards ? '>' : '<'} $${values.length}`);
  }
  values.push(q.limit + 1);
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const rows = await db.query(`SELECT * FROM audit_log ${where} ORDER BY id ${cursor?.backwards ? 'ASC' : 'DESC'} LIMIT $${values.length}`, values);
  return toPage(rows.map(toAudit), q.limit, q.iterator);
}

export async function removeAuditBefore(db: PgDb, before: number): Promise<number> {
  return db.run('DELETE FROM audit_log WHERE at < $1', [before]);
}

export async function getNetworkPolicy(db: PgDb, appId: string): Promise<NetworkPolicyRecord | null> {
  const [row] = await db.query('SELECT allow_all, allow_cidrs FROM application_network_policies WHERE app_id = $1', [appId]);
  return row ? { allowAll: row.allow_all === true, allowCidrs: (row.allow_cidrs as string[] | null) ?? [] } : null;
}

export async function setNetworkPolicy(db: PgDb, appId: string, policy: NetworkPolicyRecord | null, now: number): Promise<void> {
  if (policy === null) {
    await db.run('DELETE FROM application_network_policies WHERE app_id = $1', [appId]);
    return;
  }
  await db.run(`INSERT INTO application_network_policies (app_id, allow_all, allow_cidrs, updated_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (app_id) DO UPDATE SET allow_all = excluded.allow_all, allow_cidrs = excluded.allow_cidrs, updated_at = excluded.updated_at`,
  [appId, policy.allowAll, json(policy.allowCidrs), now]);
}

export async function resealSecrets(db: PgDb): Promise<number> {
  let n = 0;
  for (const row of await db.query('SELECT id, secrets FROM endpoints')) {
    const stored = (row.secrets as EndpointSecret[] | null) ?? [];
    if (!secretsStale(stored)) continue;
    // Only if nobody changed them meanwhile: a concurrent rotation's write wins.
    n += await db.run('UPDATE endpoints SET secrets = $1 WHERE id = $2 AND secrets = $3', [json(sealSecrets(openSecrets(stored))), row.id, json(stored)]);
  }
  return n;
}
