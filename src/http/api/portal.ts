import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { safeEqual } from '../../signing/compare.ts';
import type { Store } from '../../store/store.ts';
import { created, rateOf, type OutboundDeps } from './outbound-deps.ts';
import { appParams, portalAccessIn } from './outbound-schemas.ts';
import { notFound } from './errors.ts';

const PREFIX = 'sluice_portal_';

/**
 * App-portal access tokens: short-lived and scoped to one application. A token
 * is its claims (application id, expiry) with an HMAC keyed from the API token,
 * so it needs no storage and every process can check it; changing the API
 * token revokes them all.
 */
export class PortalTokens {
  private readonly key: Buffer;

  constructor(apiToken: string) {
    this.key = createHmac('sha256', 'sluice-portal-token').update(apiToken).digest();
  }

  issue(appId: string, expiresAt: number): string {
    const claims = Buffer.from(JSON.stringify({ app: appId, exp: expiresAt })).toString('base64url');
    return `${PREFIX}${claims}.${this.mac(claims)}`;
  }

  /** The application a valid, unexpired token is for; `null` otherwise. */
  verify(token: string, now: number): string | null {
    if (!token.startsWith(PREFIX)) return null;
    const [claims, mac, extra] = token.slice(PREFIX.length).split('.');
    if (!claims || !mac || extra !== undefined || !safeEqual(mac, this.mac(claims))) return null;
    try {
      const parsed = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { app?: unknown; exp?: unknown };
      if (typeof parsed.app !== 'string' || typeof parsed.exp !== 'number' || parsed.exp <= now) return null;
      return parsed.app;
    } catch {
      return null;
    }
  }

  private mac(claims: string): string {
    return createHmac('sha256', this.key).update(claims).digest('base64url');
  }
}

/**
 * Whether a portal token for `appId` may make this request: only the
 * application's own routes (`/app/{app_id}/…`, by id or uid), nothing global.
 */
export async function portalMayAccess(store: Store, req: FastifyRequest, appId: string): Promise<boolean> {
  const route = req.routeOptions.url ?? '';
  // Bulk jobs hold themselves to the caller's application (http/api/caller.ts), whatever their filter says.
  if (/\/bulk-jobs(\/|$)/.test(route)) return true;
  if (!/\/app\/:app_id(\/|$)/.test(route)) return false;
  const named = (req.params as { app_id?: string }).app_id;
  if (named === undefined) return false;
  if (named === appId) return true;
  return (await store.getApplication(named))?.id === appId;
}

/** `POST /auth/app-portal-access/{app_id}`: a token (and portal URL) for one application. */
export async function portalRoutes(app: FastifyInstance, deps: OutboundDeps & { tokens: PortalTokens }): Promise<void> {
  const { store, config, tokens } = deps;
  app.post<{ Params: { app_id: string }; Body: { expiry?: number | null; application?: { name: string; uid?: string | null; throttleRate?: number | null; rateLimit?: number | null; metadata?: Record<string, string> } | null } | undefined }>(
    '/auth/app-portal-access/:app_id', { schema: { params: appParams, body: portalAccessIn } }, async (req) => {
      let application = await store.getApplication(req.params.app_id);
      const a = req.body?.application;
      if (!application && a) {
        application = created(await store.createApplication({ uid: a.uid ?? req.params.app_id, name: a.name, throttleRate: rateOf(a, null), metadata: a.metadata ?? {} }, Date.now()));
      }
      if (!application) throw notFound(`application "${req.params.app_id}"`);
      const ttl = req.body?.expiry != null ? req.body.expiry * 1000 : config.outbound.portalTokenTtlMs;
      const token = tokens.issue(application.id, Date.now() + ttl);
      const base = config.outbound.portalUrl ?? `http://${config.server.host}:${config.server.port}/portal`;
      return { token, url: `${base.replace(/\/+$/, '')}/#key=${encodeURIComponent(token)}` };
    });
}
