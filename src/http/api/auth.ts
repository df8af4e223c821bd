import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../../errors.ts';
import { safeEqual } from '../../signing/compare.ts';

/** A second kind of token, scoped to one application (app-portal access). */
export interface ScopedTokens {
  /** The application the token is for, or `null` when it is not a valid one. */
  appOf(token: string): string | null;
  /** Whether that application's token may make this request. */
  allows(req: FastifyRequest, appId: string): Promise<boolean>;
}

/**
 * `Authorization: Bearer <apiToken>` on every route of the scope, compared in
 * constant time; or a scoped token, on the routes it allows (403 elsewhere).
 */
export function requireToken(app: FastifyInstance, token: string, scoped?: ScopedTokens): void {
  app.addHook('onRequest', async (req) => {
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    if (!given) throw new HttpError(401, 'authentication_failed', 'missing Authorization: Bearer <token> header');
    if (safeEqual(given, token)) return;
    const appId = scoped?.appOf(given);
    if (!appId) throw new HttpError(401, 'authentication_failed', 'invalid API token');
    if (!(await scoped?.allows(req, appId))) throw new HttpError(403, 'forbidden', 'this token is scoped to one application and may not use this route');
  });
}
