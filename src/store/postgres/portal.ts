import type { Capability } from '../../auth/principal.ts';
import type { PortalGrant, PortalRevocation, PortalSettings } from '../portal.ts';
import { json, type PgDb, type Row } from './db.ts';
import { num, numOrNull } from '../columns.ts';

const grantOf = (r: Row): PortalGrant => ({
  id: r.id as string,
  appId: r.app_id as string,
  capabilities: (r.capabilities as Capability[] | null) ?? [],
  keyHash: (r.key_hash as string | null) ?? null,
  keyUsedAt: numOrNull(r.key_used_at),
  parentId: (r.parent_id as string | null) ?? null,
  sessionId: (r.session_id as string | null) ?? null,
  createdAt: num(r.created_at),
  expiresAt: num(r.expires_at),
  revokedAt: numOrNull(r.revoked_at),
});

export async function createPortalGrant(db: PgDb, g: PortalGrant): Promise<void> {
  await db.run(`INSERT INTO portal_grants (id, app_id, capabilities, key_hash, key_used_at, parent_id, session_id, created_at, expires_at, revoked_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [g.id, g.appId, json(g.capabilities), g.keyHash, g.keyUsedAt, g.parentId, g.sessionId, g.createdAt, g.expiresAt, g.revokedAt]);
}

export async function getPortalGrant(db: PgDb, id: string): Promise<PortalGrant | null> {
  const [row] = await db.query('SELECT * FROM portal_grants WHERE id = $1', [id]);
  return row ? grantOf(row) : null;
}

export async function usePortalKey(db: PgDb, keyHash: string, now: number): Promise<{ grant: PortalGrant; firstUse: boolean } | null> {
  // One statement: of two processes exchanging the same key at once, exactly one sees the row change.
  const [used] = await db.query('UPDATE portal_grants SET key_used_at = $1 WHERE key_hash = $2 AND key_used_at IS NULL RETURNING *', [now, keyHash]);
  if (used) return { grant: grantOf(used), firstUse: true };
  const [row] = await db.query('SELECT * FROM portal_grants WHERE key_hash = $1', [keyHash]);
  return row ? { grant: grantOf(row), firstUse: false } : null;
}

export async function revokePortalGrant(db: PgDb, id: string, now: number): Promise<boolean> {
  return (await db.run('UPDATE portal_grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [now, id])) > 0;
}

export async function revokePortalGrants(db: PgDb, appId: string, now: number, opts: PortalRevocation = {}): Promise<number> {
  const params: unknown[] = [now, appId];
  const set = opts.endsAt === undefined ? 'revoked_at = $1' : `expires_at = LEAST(expires_at, $${params.push(opts.endsAt)})`;
  const only = opts.sessionIds === undefined ? '' : ` AND session_id = ANY($${params.push(opts.sessionIds)}::text[])`;
  return db.run(`UPDATE portal_grants SET ${set} WHERE app_id = $2 AND revoked_at IS NULL AND expires_at > $1${only}`, params);
}

export async function removePortalGrantsBefore(db: PgDb, before: number): Promise<number> {
  return db.run('DELETE FROM portal_grants WHERE expires_at < $1', [before]);
}

export async function getPortalSettings(db: PgDb, appId: string): Promise<PortalSettings | null> {
  const [r] = await db.query('SELECT * FROM portal_settings WHERE app_id = $1', [appId]);
  if (!r) return null;
  return {
    displayName: (r.display_name as string | null) ?? null,
    logoUrl: (r.logo_url as string | null) ?? null,
    primaryColor: (r.primary_color as string | null) ?? null,
    frameAncestors: (r.frame_ancestors as string[] | null) ?? null,
    updatedAt: num(r.updated_at),
  };
}

export async function setPortalSettings(db: PgDb, appId: string, s: PortalSettings): Promise<void> {
  await db.run(`INSERT INTO portal_settings (app_id, display_name, logo_url, primary_color, frame_ancestors, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (app_id) DO UPDATE SET display_name = excluded.display_name, logo_url = excluded.logo_url, primary_color = excluded.primary_color,
      frame_ancestors = excluded.frame_ancestors, updated_at = excluded.updated_at`,
  [appId, s.displayName, s.logoUrl, s.primaryColor, json(s.frameAncestors), s.updatedAt]);
}
