import type { Capability } from '../records.ts';
import { bool, jsonOr, num, numOrNull, type Row, strOrNull } from '../columns.ts';
import type { PortalGrant, PortalRevocation, PortalSettings } from '../portal.ts';
import { all, get, json, type Op, run } from './op.ts';

const grantOf = (r: Row): PortalGrant => ({
  id: r.id as string,
  appId: r.app_id as string,
  capabilities: jsonOr<Capability[]>(r.capabilities, []),
  keyHash: strOrNull(r.key_hash),
  keyUsedAt: numOrNull(r.key_used_at),
  parentId: strOrNull(r.parent_id),
  sessionId: strOrNull(r.session_id),
  featureFlags: jsonOr<string[]>(r.feature_flags, []),
  createdAt: num(r.created_at),
  expiresAt: num(r.expires_at),
  revokedAt: numOrNull(r.revoked_at),
});

export function* createPortalGrant(g: PortalGrant): Op<void> {
  yield* run(
    `INSERT INTO portal_grants (id, app_id, capabilities, key_hash, key_used_at, parent_id, session_id, created_at, expires_at, revoked_at,
      feature_flags)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      g.id,
      g.appId,
      json(g.capabilities),
      g.keyHash,
      g.keyUsedAt,
      g.parentId,
      g.sessionId,
      g.createdAt,
      g.expiresAt,
      g.revokedAt,
      json(g.featureFlags),
    ],
  );
}

export function* getPortalGrant(id: string): Op<PortalGrant | null> {
  const row = yield* get('SELECT * FROM portal_grants WHERE id = ?', [id]);
  return row ? grantOf(row) : null;
}

export function* usePortalKey(keyHash: string, now: number): Op<{ grant: PortalGrant; firstUse: boolean } | null> {
  // One statement: of two processes exchanging the same key at once, exactly one sees the row change.
  const used = yield* get('UPDATE portal_grants SET key_used_at = ? WHERE key_hash = ? AND key_used_at IS NULL RETURNING *', [
    now,
    keyHash,
  ]);
  if (used) return { grant: grantOf(used), firstUse: true };
  const row = yield* get('SELECT * FROM portal_grants WHERE key_hash = ?', [keyHash]);
  return row ? { grant: grantOf(row), firstUse: false } : null;
}

export function* revokePortalGrant(id: string, now: number): Op<boolean> {
  return (yield* run('UPDATE portal_grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [now, id])) > 0;
}

/** Ends an application's live grants now, or at `endsAt` (a grace period), optionally only those of some Svix session ids. */
export function* revokePortalGrants(appId: string, now: number, opts: PortalRevocation = {}): Op<number> {
  if (opts.sessionIds !== undefined && opts.sessionIds.length === 0) return 0;
  const set =
    opts.endsAt === undefined
      ? (['revoked_at = ?', [now]] as const)
      : (['expires_at = CASE WHEN expires_at < ? THEN expires_at ELSE ? END', [opts.endsAt, opts.endsAt]] as const);
  const only = opts.sessionIds === undefined ? '' : ` AND session_id IN (${opts.sessionIds.map(() => '?').join(', ')})`;
  return yield* run(`UPDATE portal_grants SET ${set[0]} WHERE app_id = ? AND revoked_at IS NULL AND expires_at > ?${only}`, [
    ...set[1],
    appId,
    now,
    ...(opts.sessionIds ?? []),
  ]);
}

export function* removePortalGrantsBefore(before: number): Op<number> {
  return yield* run('DELETE FROM portal_grants WHERE expires_at < ?', [before]);
}

export function* getPortalSettings(appId: string): Op<PortalSettings | null> {
  const r = (yield* all('SELECT * FROM portal_settings WHERE app_id = ?', [appId]))[0];
  if (!r) return null;
  return {
    displayName: strOrNull(r.display_name),
    logoUrl: strOrNull(r.logo_url),
    primaryColor: strOrNull(r.primary_color),
    frameAncestors: jsonOr<string[] | null>(r.frame_ancestors, null),
    allowRetrySchedule: bool(r.allow_retry_schedule),
    updatedAt: num(r.updated_at),
  };
}

export function* setPortalSettings(appId: string, s: PortalSettings): Op<void> {
  yield* run(
    `INSERT INTO portal_settings (app_id, display_name, logo_url, primary_color, frame_ancestors, allow_retry_schedule, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (app_id) DO UPDATE SET display_name = excluded.display_name, logo_url = excluded.logo_url, primary_color = excluded.primary_color,
      frame_ancestors = excluded.frame_ancestors, allow_retry_schedule = excluded.allow_retry_schedule, updated_at = excluded.updated_at`,
    [appId, s.displayName, s.logoUrl, s.primaryColor, json(s.frameAncestors), s.allowRetrySchedule, s.updatedAt],
  );
}
