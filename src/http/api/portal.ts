import type { FastifyInstance } from 'fastify';
import { grantedCapabilities, unknownCapabilities, type PortalTokens } from '../../auth/portal-tokens.ts';
import type { ResourceDeps } from './resource-deps.ts';
import { created, notFound, validation } from './errors.ts';
import { rateOf } from './body-schemas.ts';
import { portalAccessIn } from './body-schemas.ts';
import { appParams } from './params.ts';
import { PortalSessions } from '../../auth/portal-sessions.ts';
import { portalFeatureFlags } from './portal-limits.ts';

/** `POST /auth/app-portal-access/{app_id}`: a token (and portal URL) for one application. */
export async function portalRoutes(app: FastifyInstance, deps: ResourceDeps & { tokens: PortalTokens }): Promise<void> {
  const { store, config, tokens } = deps;
  const sessions = new PortalSessions(store, tokens, config.portal.sessionTtlMs);
  app.post<{
    Params: { app_id: string };
    Body:
      | {
          expiry?: number | null;
          readOnly?: boolean | null;
          sessionId?: string | null;
          capabilities?: string[] | null;
          featureFlags?: string[];
          application?: {
            name: string;
            uid?: string | null;
            throttleRate?: number | null;
            rateLimit?: number | null;
            metadata?: Record<string, string>;
          } | null;
        }
      | undefined;
  }>('/auth/app-portal-access/:app_id', { schema: { params: appParams, body: portalAccessIn } }, async (req) => {
    const unknown = unknownCapabilities(req.body?.capabilities);
    if (unknown.length > 0)
      throw validation(
        'body.capabilities',
        `unknown capabilities ${unknown.join(', ')} (known: ViewBase, ViewEndpointSecret, ManageEndpointSecret, ManageTransformations, CreateAttempts, ManageEndpoint)`,
      );
    if ((req.body?.sessionId?.length ?? 0) > 256) throw validation('body.sessionId', 'at most 256 characters');
    const featureFlags = portalFeatureFlags(req.body?.featureFlags);
    let application = await store.getApplication(req.params.app_id);
    const a = req.body?.application;
    if (!application && a) {
      application = created(
        await store.createApplication(
          { uid: a.uid ?? req.params.app_id, name: a.name, throttleRate: rateOf(a, null), metadata: a.metadata ?? {} },
          Date.now(),
        ),
      );
    }
    if (!application) throw notFound(`application "${req.params.app_id}"`);
    const ttl = req.body?.expiry != null ? req.body.expiry * 1000 : config.outbound.portalTokenTtlMs;
    // Enforced on every route by the auth hook (src/auth/route-access.ts), not merely recorded.
    const { token, key } = await sessions.issue(
      application.id,
      Date.now() + ttl,
      grantedCapabilities(req.body?.readOnly, req.body?.capabilities),
      req.body?.sessionId ?? null,
      featureFlags,
    );
    const base = config.outbound.portalUrl ?? `http://${config.server.host}:${config.server.port}/portal`;
    // The key rides in the fragment, which no server or proxy log sees; `app` lets the page's framing policy be the application's.
    return { token, url: `${base.replace(/\/+$/, '')}/?app=${encodeURIComponent(application.id)}#key=${encodeURIComponent(key)}` };
  });
}
