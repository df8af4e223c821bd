import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../store/store.ts';
import type { PortalGrant } from '../store/portal.ts';
import { bearerOf, type Resolver } from './authenticate.ts';
import { portalPrincipal, type PortalClaims, type PortalTokens } from './portal-tokens.ts';
import type { Capability } from './principal.ts';

const KEY_PREFIX = 'sluice_pk_';
const hash = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Why a one-time key was not exchanged, in the words the portal shows. */
export type KeyRefusal = 'unknown' | 'used' | 'expired';

/** A standing token's claims and what its stored grant adds. */
export interface PortalGrantClaims extends PortalClaims {
  featureFlags: string[];
}

export interface PortalSession {
  token: string;
  appId: string;
  capabilities: Capability[];
  expiresAt: number;
}

/**
 * App-portal access kept in the store. A portal-access request makes a grant:
 * a signed bearer token (the answer's `token`) and a separate one-time key
 * (the URL's fragment). The key is exchanged once for a session, itself a
 * signed token with its own grant. Every signed token is checked against its
 * grant on each request, so a logout or an expire-all reaches every process.
 */
export class PortalSessions {
  constructor(
    private readonly store: Store,
    private readonly tokens: PortalTokens,
    private readonly sessionTtlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A new grant for an application: its bearer token and the one-time key of its portal URL. */
  async issue(
    appId: string,
    expiresAt: number,
    capabilities: Capability[],
    sessionId: string | null = null,
    featureFlags: string[] = [],
  ): Promise<{ token: string; key: string }> {
    const { token, claims } = this.mint(appId, expiresAt, capabilities);
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    await this.store.createPortalGrant(this.grant(claims, hash(key), null, sessionId, featureFlags));
    return { token, key };
  }

  /** Exchanges a one-time key for a session; the second use of a key is refused whoever makes it. */
  async exchange(key: string): Promise<PortalSession | KeyRefusal> {
    if (!key.startsWith(KEY_PREFIX) || key.length > 200) return 'unknown';
    const now = this.clock();
    const use = await this.store.usePortalKey(hash(key), now);
    if (!use) return 'unknown';
    if (!use.firstUse) return 'used';
    const { grant } = use;
    if (grant.revokedAt !== null || grant.expiresAt <= now) return 'expired';
    const expiresAt = Math.min(grant.expiresAt, now + this.sessionTtlMs);
    const { token, claims } = this.mint(grant.appId, expiresAt, grant.capabilities);
    await this.store.createPortalGrant(this.grant(claims, null, grant.id, grant.sessionId, grant.featureFlags));
    return { token, appId: grant.appId, capabilities: grant.capabilities, expiresAt };
  }

  /** The claims of a signed token whose grant still stands, with the grant's feature flags; `null` otherwise. */
  async verify(token: string): Promise<PortalGrantClaims | null> {
    const now = this.clock();
    const claims = this.tokens.verify(token, now);
    if (!claims) return null;
    const grant = await this.store.getPortalGrant(claims.sid);
    if (!grant || grant.revokedAt !== null || grant.expiresAt <= now || grant.appId !== claims.app) return null;
    return { ...claims, featureFlags: grant.featureFlags };
  }

  /** Ends the grant of a standing token (logout); `false` when the token is not one. */
  async logout(token: string): Promise<boolean> {
    const claims = await this.verify(token);
    if (!claims) return false;
    await this.store.revokePortalGrant(claims.sid, this.clock());
    return true;
  }

  /**
   * Ends every session and token of an application (Svix's expire-all): now,
   * or `graceMs` from now; only those issued with one of `sessionIds` (and the
   * sessions made from them) when given.
   * Returns how many it touched.
   */
  async expireAll(appId: string, opts: { graceMs?: number; sessionIds?: string[] } = {}): Promise<number> {
    const now = this.clock();
    return this.store.revokePortalGrants(appId, now, {
      ...(opts.sessionIds !== undefined ? { sessionIds: opts.sessionIds } : {}),
      ...(opts.graceMs ? { endsAt: now + opts.graceMs } : {}),
    });
  }

  private mint(appId: string, expiresAt: number, capabilities: Capability[]): { token: string; claims: PortalClaims } {
    const token = this.tokens.issue(appId, expiresAt, capabilities);
    const claims = this.tokens.verify(token, Math.min(this.clock(), expiresAt - 1));
    if (!claims) throw new Error('a portal token just signed does not verify: the signing key changed under it');
    return { token, claims };
  }

  private grant(
    claims: PortalClaims,
    keyHash: string | null,
    parentId: string | null,
    sessionId: string | null,
    featureFlags: string[],
  ): PortalGrant {
    return {
      id: claims.sid,
      appId: claims.app,
      capabilities: claims.cap,
      keyHash,
      keyUsedAt: null,
      parentId,
      sessionId,
      featureFlags,
      createdAt: this.clock(),
      expiresAt: claims.exp,
      revokedAt: null,
    };
  }
}

/** Bearer app-portal tokens and sessions whose grant stands, as a principal scoped to their one application. */
export function storedPortalResolver(sessions: PortalSessions): Resolver {
  return async (req) => {
    const given = bearerOf(req);
    const claims = given === undefined ? null : await sessions.verify(given);
    return claims ? portalPrincipal(claims, claims.featureFlags) : null;
  };
}
