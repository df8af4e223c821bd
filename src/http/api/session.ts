import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ConsoleSessions, SESSION_COOKIE, SignInThrottle, sameOrigin } from '../../auth/console-session.ts';
import type { Principal } from '../../auth/principal.ts';
import { defaults } from '../../config/defaults.ts';
import { apiError } from '../../error-catalogue.ts';
import type { Resolver } from '../../auth/authenticate.ts';

export interface SessionDeps {
  sessions: ConsoleSessions;
  /** Who an API token is, or `null` when it is none of ours. */
  tokenPrincipal(token: string): Principal | null;
  /** Believe `X-Forwarded-Proto` (the cookie is `Secure` behind an https proxy). */
  trustProxy: boolean;
}

function isHttps(req: FastifyRequest, trustProxy: boolean): boolean {
  const forwarded = req.headers['x-forwarded-proto'];
  return req.protocol === 'https' || (trustProxy && typeof forwarded === 'string' && forwarded.split(',')[0]?.trim() === 'https');
}

function ownOrigin(req: FastifyRequest, trustProxy: boolean): string {
  return `${isHttps(req, trustProxy) ? 'https' : 'http'}://${req.host}`;
}

function cookieOf(req: FastifyRequest): string | undefined {
  return (req as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[SESSION_COOKIE];
}

function checkOrigin(req: FastifyRequest, trustProxy: boolean): void {
  if (!sameOrigin(req.headers, ownOrigin(req, trustProxy))) {
    throw apiError('csrf_refused', 'a change made with the console session must come from the console itself (Origin does not match)');
  }
}

/**
 * The session cookie as one way into the API (a resolver of the auth chain),
 * with the CSRF check on changes: a cross-origin change is refused 403, never
 * passed on to the next resolver.
 */
export function sessionResolver(deps: SessionDeps): Resolver {
  return async (authReq) => {
    // The chain hands every resolver the Fastify request itself; the cookie, method and origin live on it.
    const req = authReq as FastifyRequest;
    const cookie = cookieOf(req);
    if (!cookie) return null;
    const principal = await deps.sessions.resolve(cookie);
    if (!principal) return null;
    if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method)) checkOrigin(req, deps.trustProxy);
    return principal;
  };
}

/**
 * `POST /auth/session` (sign in: an API token for a session cookie) and
 * `DELETE /auth/session` (sign out). Outside the token check: signing in is
 * how a browser gets one. Failed sign-ins from one address are answered
 * slower and slower.
 */
export async function sessionRoutes(app: FastifyInstance, deps: SessionDeps): Promise<void> {
  const throttle = new SignInThrottle(defaults.consoleSignInDelayMs, defaults.consoleSignInMaxDelayMs);
  const setCookie = (req: FastifyRequest, reply: FastifyReply, value: string, expiresAt: number): void => {
    (reply as FastifyReply & { setCookie: (name: string, value: string, opts: Record<string, unknown>) => void }).setCookie(
      SESSION_COOKIE,
      value,
      {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: isHttps(req, deps.trustProxy),
        expires: new Date(expiresAt),
      },
    );
  };

  app.post<{ Body: { token: string } }>(
    '/auth/session',
    {
      schema: {
        body: {
          type: 'object',
          properties: { token: { type: 'string', minLength: 1, maxLength: 512 } },
          required: ['token'],
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      checkOrigin(req, deps.trustProxy);
      const principal = deps.tokenPrincipal(req.body.token.trim());
      if (!principal) {
        const delay = throttle.fail(req.ip, Date.now());
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        throw apiError(
          'authentication_failed',
          "that API token is not valid: check it against apiToken or auth.tokens in the gateway's configuration",
        );
      }
      throttle.succeed(req.ip);
      const { cookie, expiresAt } = await deps.sessions.create(principal);
      setCookie(req, reply, cookie, expiresAt);
      return reply.code(201).send({ ...principal, kind: 'session', expiresAt: new Date(expiresAt).toISOString() });
    },
  );

  app.delete('/auth/session', async (req, reply) => {
    const cookie = cookieOf(req);
    if (cookie) {
      checkOrigin(req, deps.trustProxy);
      await deps.sessions.revoke(cookie);
    }
    setCookie(req, reply, '', 0);
    return reply.code(204).send();
  });
}
