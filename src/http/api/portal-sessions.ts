import type { FastifyInstance } from 'fastify';
import { bearerOf } from '../../auth/authenticate.ts';
import type { PortalSessions } from '../../auth/portal-sessions.ts';
import { frameAncestorProblem } from '../../config/portal.ts';
import type { Config } from '../../config/types.ts';
import { apiError } from '../../error-catalogue.ts';
import type { PortalSettings } from '../../store/portal.ts';
import type { Store } from '../../store/store.ts';
import { principalOf } from './auth.ts';
import { validation } from './errors.ts';
import { appOf, appParams } from './params.ts';

const exchangeIn = {
  type: 'object',
  properties: { key: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['key'],
  additionalProperties: false,
} as const;

const settingsIn = {
  type: 'object',
  properties: {
    displayName: { type: ['string', 'null'], maxLength: 100 },
    logoUrl: { type: ['string', 'null'], maxLength: 2000 },
    primaryColor: { type: ['string', 'null'], maxLength: 7 },
    frameAncestors: { type: ['array', 'null'], items: { type: 'string', maxLength: 300 }, maxItems: 32 },
    /** Whether the portal's tenants may set an endpoint's own retry schedule (default false). */
    allowRetrySchedule: { type: ['boolean', 'null'] },
  },
  additionalProperties: false,
} as const;

// Svix's ApplicationTokenExpireIn: `expiry` seconds of grace, `sessionIds` (the `sessionId`s given at portal access) to end only those.
const expireAllIn = {
  type: ['object', 'null'],
  properties: {
    expiry: { type: ['integer', 'null'], minimum: 0, maximum: 7 * 86_400 },
    sessionIds: { type: ['array', 'null'], items: { type: 'string', minLength: 1, maxLength: 256 }, maxItems: 1000 },
  },
  additionalProperties: false,
} as const;

type SettingsIn = {
  displayName?: string | null;
  logoUrl?: string | null;
  primaryColor?: string | null;
  frameAncestors?: string[] | null;
  allowRetrySchedule?: boolean | null;
};

const REFUSALS = {
  unknown: apiError('link_not_found', 'this portal link is not known: ask for a new one'),
  used: apiError('link_used', 'this portal link was already opened once; a link works one time only, ask for a new one'),
  expired: apiError('link_expired', 'this portal link has expired; ask for a new one'),
} as const;

/** `POST /auth/portal-session`: a portal URL's one-time key for a session; no other credential (the key is the credential). */
export async function portalExchangeRoutes(app: FastifyInstance, deps: { sessions: PortalSessions }): Promise<void> {
  app.post<{ Body: { key: string } }>('/auth/portal-session', { schema: { body: exchangeIn } }, async (req, reply) => {
    const outcome = await deps.sessions.exchange(req.body.key);
    if (typeof outcome === 'string') throw REFUSALS[outcome];
    return reply.code(201).send({
      token: outcome.token,
      appId: outcome.appId,
      capabilities: outcome.capabilities,
      expiresAt: new Date(outcome.expiresAt).toISOString(),
    });
  });
}

/** What the portal page reads of its session and application, and the operator's routes that end sessions and set the portal's look. */
export async function portalSessionRoutes(
  app: FastifyInstance,
  deps: { store: Store; config: Config; sessions: PortalSessions },
): Promise<void> {
  const { store, config, sessions } = deps;

  app.get('/auth/portal-session', async (req) => {
    const p = principalOf(req);
    const given = bearerOf(req);
    const claims = p.kind === 'portal' && given !== undefined ? await sessions.verify(given) : null;
    if (!claims) throw apiError('forbidden', 'only an app-portal session has a portal view; this request carries another credential');
    const application = await store.getApplication(claims.app);
    if (!application) throw apiError('not_found', 'the application of this portal session no longer exists');
    const settings = await store.getPortalSettings(application.id);
    return {
      appId: application.id,
      appUid: application.uid,
      appName: settings?.displayName ?? application.name,
      capabilities: claims.cap,
      expiresAt: new Date(claims.exp).toISOString(),
      branding: { logoUrl: settings?.logoUrl ?? null, primaryColor: settings?.primaryColor ?? null },
      // Whether the endpoint form offers a retry schedule (the operator's portal setting; the API refuses it otherwise).
      allowRetrySchedule: settings?.allowRetrySchedule ?? false,
      // How long a rotated-out secret keeps signing, so the page can say so.
      rotationGraceSeconds: Math.round(config.outbound.rotationGraceMs / 1000),
    };
  });

  // Svix's route: every session and token of the application ends now, in every process.
  app.post<{ Params: { app_id: string }; Body: { expiry?: number | null; sessionIds?: string[] | null } | null | undefined }>(
    '/auth/app/:app_id/expire-all',
    {
      schema: { params: appParams, body: expireAllIn },
    },
    async (req, reply) => {
      const appId = await appOf(store, req.params.app_id);
      const b = req.body ?? {};
      await sessions.expireAll(appId, {
        ...(b.expiry ? { graceMs: b.expiry * 1000 } : {}),
        ...(b.sessionIds ? { sessionIds: b.sessionIds } : {}),
      });
      return reply.code(204).send();
    },
  );

  const view = (settings: PortalSettings | null) => ({
    displayName: settings?.displayName ?? null,
    logoUrl: settings?.logoUrl ?? null,
    primaryColor: settings?.primaryColor ?? null,
    frameAncestors: settings?.frameAncestors ?? null,
    effectiveFrameAncestors: settings?.frameAncestors ?? config.portal.frameAncestors,
    allowRetrySchedule: settings?.allowRetrySchedule ?? false,
  });

  app.get<{ Params: { app_id: string } }>('/app/:app_id/portal-settings', { schema: { params: appParams } }, async (req) =>
    view(await store.getPortalSettings(await appOf(store, req.params.app_id))),
  );

  app.put<{ Params: { app_id: string }; Body: SettingsIn }>(
    '/app/:app_id/portal-settings',
    { schema: { params: appParams, body: settingsIn } },
    async (req) => {
      const appId = await appOf(store, req.params.app_id);
      const b = req.body;
      if (b.logoUrl != null && !/^https?:\/\/[^\s/?#]+[^\s]*$/.test(b.logoUrl))
        throw validation('body.logoUrl', 'must be an absolute http(s) URL');
      if (b.primaryColor != null && !/^#[0-9a-fA-F]{6}$/.test(b.primaryColor))
        throw validation('body.primaryColor', 'must be a hex colour such as #2563eb');
      for (const source of b.frameAncestors ?? []) {
        const problem = frameAncestorProblem(source);
        if (problem) throw validation('body.frameAncestors', problem);
      }
      const settings: PortalSettings = {
        displayName: b.displayName?.trim() || null,
        logoUrl: b.logoUrl ?? null,
        primaryColor: b.primaryColor?.toLowerCase() ?? null,
        frameAncestors: b.frameAncestors ?? null,
        allowRetrySchedule: b.allowRetrySchedule ?? false,
        updatedAt: Date.now(),
      };
      await store.setPortalSettings(appId, settings);
      return view(settings);
    },
  );
}
