import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from '../signing/compare.ts';
import { CAPABILITIES, type Capability, type Principal } from './principal.ts';

const PREFIX = 'sluice_portal_';
const MUTATING_CAPABILITIES: readonly Capability[] = ['ManageEndpointSecret', 'ManageTransformations', 'CreateAttempts', 'ManageEndpoint'];

/** What a portal token carries: its application, expiry, session id and capabilities. */
export interface PortalClaims {
  app: string;
  exp: number;
  sid: string;
  cap: Capability[];
}

/**
 * The capabilities a portal-access request grants (Svix's rules): every one
 * when neither is given; `capabilities` as listed; `readOnly` keeps only the
 * viewing ones, whatever else was asked for.
 */
export function grantedCapabilities(
  readOnly: boolean | null | undefined,
  capabilities: readonly string[] | null | undefined,
): Capability[] {
  const asked = capabilities == null ? [...CAPABILITIES] : CAPABILITIES.filter((c) => capabilities.includes(c));
  return readOnly ? asked.filter((c) => !MUTATING_CAPABILITIES.includes(c)) : asked;
}

/** Names in `capabilities` that are not Svix capabilities (the request is refused with 422 naming them). */
export function unknownCapabilities(capabilities: readonly string[] | null | undefined): string[] {
  return (capabilities ?? []).filter((c) => !(CAPABILITIES as readonly string[]).includes(c));
}

/**
 * App-portal access tokens: short-lived and scoped to one application and its
 * capabilities. A token is its claims with an HMAC under a key of the
 * gateway's, so every process can check it; changing that key revokes them
 * all. Whether one was logged out or expired early is its stored grant's
 * business (portal-sessions.ts).
 */
export class PortalTokens {
  private readonly key: Buffer;

  constructor(secret: string | Buffer) {
    this.key = createHmac('sha256', 'sluice-portal-token').update(secret).digest();
  }

  issue(appId: string, expiresAt: number, capabilities: Capability[]): string {
    const claims: PortalClaims = { app: appId, exp: expiresAt, sid: randomBytes(9).toString('base64url'), cap: capabilities };
    const text = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${PREFIX}${text}.${this.mac(text)}`;
  }

  /** The claims of a valid, unexpired token; `null` otherwise. */
  verify(token: string, now: number): PortalClaims | null {
    if (!token.startsWith(PREFIX) || token.length > 4096) return null;
    const [claims, mac, extra] = token.slice(PREFIX.length).split('.');
    if (!claims || !mac || extra !== undefined || !safeEqual(mac, this.mac(claims))) return null;
    try {
      const parsed = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Partial<PortalClaims>;
      if (typeof parsed.app !== 'string' || typeof parsed.exp !== 'number' || parsed.exp <= now) return null;
      // A token minted before capabilities existed had them all.
      const cap = Array.isArray(parsed.cap) ? CAPABILITIES.filter((c) => parsed.cap?.includes(c)) : [...CAPABILITIES];
      const sid = typeof parsed.sid === 'string' ? parsed.sid : 'legacy';
      return { app: parsed.app, exp: parsed.exp, sid, cap };
    } catch {
      return null;
    }
  }

  private mac(claims: string): string {
    return createHmac('sha256', this.key).update(claims).digest('base64url');
  }
}

/** The principal a portal token's claims stand for: its one application, its capabilities, its grant's feature flags. */
export function portalPrincipal(claims: PortalClaims, featureFlags: string[] = []): Principal {
  return {
    kind: 'portal',
    name: `portal_${claims.sid}`,
    role: claims.cap.some((c) => MUTATING_CAPABILITIES.includes(c)) ? 'operator' : 'viewer',
    applications: [claims.app],
    capabilities: claims.cap,
    featureFlags,
  };
}
