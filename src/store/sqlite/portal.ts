import type { Capability } from '../../auth/principal.ts';
import type { PortalGrant, PortalRevocation, PortalSettings } from '../portal.ts';
import { json, parseJson, type Row, type SqliteDb } from './db.ts';

const grantOf = (r: Row): PortalGrant => ({
  id: r.id as string,
  appId: r.app_id as string,
  capabilities: parseJson<Capability[]>(r.capabilities, []),
  keyHash: (r.key_hash as string | null) ?? null,
  keyUsedAt: (r.key_used_at as number | null) ?? null,
  parentId: (r.parent_id as string | null) ?? null,
  sessionId: (r.session_id as string | null) ?? null,
  createdAt: r.created_at as number,
  expiresAt: r.expires_at as number,
  revokedAt: (r.revoked_at as number | null) ?? null,
});

export function createPortalGrant(db: SqliteDb, g: PortalGrant): void {
  db.tx(true, () => db.stmt(`INSERT INTO portal_grants (id, app_id, capabilities, key_hash, key_used_at, parent_id, session_id, created_at, expires_at, revoked_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(g.id, g.appId, json(g.capabilities), g.keyHash, g.keyUsedAt, g.parentId, g.sessionId, g.createdAt, g.expiresAt, g.revokedAt));
}

export function getPortalGrant(db: SqliteDb, id: string): PortalGrant | null {
  const row = db.stmt('SELECT * FROM portal_grants WHERE id = ?').get(id);
  return row ? grantOf(row) : null;
}

export function usePortalKey(db: SqliteDb, keyHash: string, now: number): { grant: PortalGrant; firstUse: boolean } | null {
  return db.tx(true, () => {
    const firstUse = db.stmt('UPDATE portal_grants SET key_used_at = ? WHERE key_hash = ? AND key_used_at IS NULL').run(now, keyHash).changes === 1;
    const row = db.stmt('SELECT * FROM portal_grants WHERE key_hash = ?').get(keyHash);
    return row ? { grant: grantOf(row), firstUse } : null;
  });
}

export function revokePortalGrant(db: SqliteDb, id: string, now: number): boolean {
  return db.tx(true, () => db.stmt('UPDATE portal_grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0);
}

export function revokePortalGrants(db: SqliteDb, appId: string, now: number, opts: PortalRevocation = {}): number {
  const ids = opts.sessionIds ?? null;
  const only = ids === null ? '' : ` AND session_id IN (SELECT value FROM json_each(?))`;
  const args: unknown[] = ids === null ? [] : [JSON.stringify(ids)];
  return db.tx(true, () => (opts.endsAt === undefined
    ? db.stmt(`UPDATE portal_grants SET revoked_at = ? WHERE app_id = ? AND revoked_at IS NULL AND expires_at > ?${only}`).run(now, appId, now, ...args)
    : db.stmt(`UPDATE portal_grants SET expires_at = MIN(expires_at, ?) WHERE app_id = ? AND revoked_at IS NULL AND expires_at > ?${only}`).run(opts.endsAt, appId, now, ...args)).changes);
}

export function removePortalGrantsBefore(db: SqliteDb, before: number): number {
  return db.tx(false, () => db.stmt('DELETE FROM portal_grants WHERE expires_at < ?').run(before).changes);
}

export function getPortalSettings(db: SqliteDb, appId: string): PortalSettings | null {
  const r = db.stmt('SELECT * FROM portal_settings WHERE app_id = ?').get(appId);
  if (!r) return null;
  return {
    displayName: (r.display_name as string | null) ?? null,
    logoUrl: (r.logo_url as string | null) ?? null,
    primaryColor: (r.primary_color as string | null) ?? null,
    frameAncestors: parseJson<string[] | null>(r.frame_ancestors, null),
    updatedAt: r.updated_at as number,
  };
}

export function setPortalSettings(db: SqliteDb, appId: string, s: PortalSettings): void {
  db.tx(true, () => db.stmt(`INSERT INTO portal_settings (app_id, display_name, logo_url, primary_color, frame_ancestors, updated_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (app_id) DO UPDATE SET display_name = excluded.display_name, logo_url = excluded.logo_url, primary_color = excluded.primary_color,
      frame_ancestors = excluded.frame_ancestors, updated_at = excluded.updated_at`)
    .run(appId, s.displayName, s.logoUrl, s.primaryColor, json(s.frameAncestors), s.updatedAt));
}
