import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mayMutate, type Principal } from '../../auth/principal.ts';
import { HttpError } from '../../errors.ts';
import { safeEqual } from '../../signing/compare.ts';

/** A second kind of token, scoped to one application (app-portal access). */
export interface ScopedTokens {
  /** The application the token is for, or `null` when it is not a valid one. */
  appOf(token: string): string | null;
  /** Whether that application's token may make this request. */
  allows(req: FastifyRequest, appId: string): Promise<boolean>;
}

/** A console session cookie, looked at when a request carries no bearer token. */
export interface CookieAuth {
  /** The session's principal, or `null` without a live session; throws 403 when a change does not come from the console's own origin. */
  principal(req: FastifyRequest): Promise<Principal | null>;
}

const principals = new WeakMap<FastifyRequest, Principal>();

/** Who made this request, once `requireToken` let it through. */
export function principalOf(req: FastifyRequest): Principal | undefined {
  return principals.get(req);
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * `Authorization: Bearer <apiToken>` on every route of the scope, compared in
 * constant time; or a scoped token, on the routes it allows (403 elsewhere);
 * or, without a bearer token, a console session cookie (read-only roles may
 * only read).
 */
export function requireToken(app: FastifyInstance, token: string, scoped?: ScopedTokens, cookies?: CookieAuth): void {
  app.addHook('onRequest', async (req) => {
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    if (!given) {
      const session = await cookies?.principal(req);
      if (!session) throw new HttpError(401, 'authentication_failed', 'missing Authorization: Bearer <token> header');
      if (!READS.has(req.method) && !mayMutate(session.role)) throw new HttpError(403, 'forbidden', `the ${session.role} role may only read`);
      principals.set(req, session);
      return;
    }
    if (safeEqual(given, token)) {
      principals.set(req, { kind: 'token', name: 'default', role: 'admin', applications: null });
      return;
    }
    const appId = scoped?.appOf(given);
    if (!appId) throw new HttpError(401, 'authentication_failed', 'invalid API token');
    if (!(await scoped?.allows(req, appId))) throw new HttpError(403, 'forbidden', 'this token is scoped to one application and may not use this route');
    principals.set(req, { kind: 'portal', name: appId, role: 'operator', applications: [appId] });
  });
}
