import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticate, hasCredential, type Resolver } from '../../auth/authenticate.ts';
import { mayTouchApplication, routeRefusal } from '../../auth/authorize.ts';
import { FailureLimiter } from '../../auth/failure-limiter.ts';
import type { Principal } from '../../auth/principal.ts';
import { classifyRoute } from '../../auth/route-access.ts';
import { apiError } from '../../error-catalogue.ts';
import type { Store } from '../../store/store.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, once the auth hook has run (every route of the authenticated scope). */
    principal?: Principal;
  }
}

export interface AuthOptions {
  /** The ways in, tried in order: bearer API tokens, app-portal tokens, console sessions, … */
  resolvers: Resolver[];
  store: Store;
  /** Failed authentications allowed per remote address and minute before 429. */
  failuresPerMinute: number;
}

/** The caller of a request that passed the auth hook. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new Error(`no principal on ${req.method} ${req.url}: the route is outside the authenticated scope`);
  return req.principal;
}

/**
 * Authentication and authorization for every route of the scope: the request
 * becomes a Principal through the resolver chain (401 when none knows it,
 * 429 once an address has failed too often), then its role, capabilities and
 * applications are checked against the route's access (src/auth/route-access.ts).
 */
export function requireAuth(app: FastifyInstance, opts: AuthOptions): void {
  const failures = new FailureLimiter(opts.failuresPerMinute);
  app.addHook('onRequest', async (req, reply) => {
    const access = classifyRoute(req.method, req.routeOptions.url ?? '');
    if (access?.scope === 'public') return;
    const wait = failures.blockedFor(req.ip, Date.now());
    if (wait > 0) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      throw apiError('rate_limit_exceeded', 'too many failed authentications from this address; retry after the Retry-After delay');
    }
    const principal = await authenticate(opts.resolvers, req);
    if (!principal) {
      failures.fail(req.ip, Date.now());
      throw hasCredential(req)
        ? apiError('authentication_failed', 'invalid API token')
        : apiError('authentication_failed', 'missing Authorization: Bearer <token> header');
    }
    req.principal = principal;
    const refused = routeRefusal(principal, access, req.method);
    if (refused) throw apiError('forbidden', refused.reason);
    const named = (req.params as { app_id?: string } | undefined)?.app_id;
    if (access?.scope === 'app' && named !== undefined && principal.applications !== null) {
      const found = await opts.store.getApplication(named);
      if (!mayTouchApplication(principal, named, found)) {
        throw apiError('forbidden', `application "${named}" is not among the applications this ${principal.kind} may use`);
      }
    }
  });

  // A principal limited to some applications may not re-identify one as a name outside them.
  app.addHook('preHandler', async (req) => {
    const p = req.principal;
    if (!p || p.applications === null || (req.method !== 'PUT' && req.method !== 'PATCH')) return;
    if (req.routeOptions.url?.replace(/^\/api\/v1/, '') !== '/app/:app_id') return;
    const uid = (req.body as { uid?: unknown } | undefined)?.uid;
    if (typeof uid === 'string' && !p.applications.includes(uid)) {
      const current = await opts.store.getApplication((req.params as { app_id: string }).app_id);
      if (current?.uid !== uid) throw apiError('forbidden', `uid "${uid}" is not among the applications this ${p.kind} may use`);
    }
  });
}
