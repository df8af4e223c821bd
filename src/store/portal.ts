import type { Capability } from './records.ts';

/**
 * One app-portal grant: the token a portal-access request returned, or a
 * session a one-time key was exchanged for. The bearer token itself is signed
 * and never stored; the row says whether it still stands, so a logout or an
 * expire-all reaches every process.
 */
export interface PortalGrant {
  /** The session id the signed token carries (`sid`). */
  id: string;
  appId: string;
  capabilities: Capability[];
  /** SHA-256 of the one-time key of the portal URL, hex; `null` for a session (it has none). */
  keyHash: string | null;
  /** When the key was exchanged; `null` while it is unused. */
  keyUsedAt: number | null;
  /** The grant whose key made this session; `null` for a grant made by a portal-access request. */
  parentId: string | null;
  /** The platform's label of the access (Svix's `sessionId`), kept by the sessions made from it; `null`: none. */
  sessionId: string | null;
  /** The access's feature flags (Svix's `featureFlags`), kept by the sessions made from it: an event type with another flag is hidden. */
  featureFlags: string[];
  createdAt: number;
  expiresAt: number;
  /** When a logout or an expire-all ended it; `null` while it stands. */
  revokedAt: number | null;
}

/** How an application's portal looks and where it may be framed; set through the API. */
export interface PortalSettings {
  /** The name the portal shows instead of the application's. */
  displayName: string | null;
  logoUrl: string | null;
  /** A CSS hex colour, `#rrggbb`. */
  primaryColor: string | null;
  /** The origins that may frame the portal (CSP `frame-ancestors`); `null`: the global `portal.frameAncestors`. */
  frameAncestors: string[] | null;
  /** Whether the application's portal sessions may set an endpoint's own retry schedule (the operator always may). */
  allowRetrySchedule: boolean;
  updatedAt: number;
}

export interface PortalRevocation {
  /** Only the grants carrying one of these platform labels. */
  sessionIds?: string[];
  endsAt?: number;
}

export interface PortalStore {
  createPortalGrant(grant: PortalGrant): Promise<void>;
  getPortalGrant(id: string): Promise<PortalGrant | null>;
  /**
   * Marks a one-time key used, once: `firstUse` is true for the one call that
   * did it (whatever the other processes do at the same moment). `null` when
   * no grant has that key.
   */
  usePortalKey(keyHash: string, now: number): Promise<{ grant: PortalGrant; firstUse: boolean } | null>;
  /** Ends one grant; `false` when it did not stand. */
  revokePortalGrant(id: string, now: number): Promise<boolean>;
  /**
   * Ends every standing grant of an application (only those of `sessionIds` when
   * given); at `endsAt` rather than now when given (they expire then, unless
   * sooner). Returns how many it touched.
   */
  revokePortalGrants(appId: string, now: number, opts?: PortalRevocation): Promise<number>;
  /** Removes grants that expired before `before`; returns how many. */
  removePortalGrantsBefore(before: number): Promise<number>;
  getPortalSettings(appId: string): Promise<PortalSettings | null>;
  setPortalSettings(appId: string, settings: PortalSettings): Promise<void>;
}
