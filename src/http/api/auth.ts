import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../errors.ts';
import { safeEqual } from '../../signing/compare.ts';

/** `Authorization: Bearer <apiToken>` on every route of the scope, compared in constant time. */
export function requireToken(app: FastifyInstance, token: string): void {
  app.addHook('onRequest', async (req) => {
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    if (!given) throw new HttpError(401, 'authentication_failed', 'missing Authorization: Bearer <token> header');
    if (!safeEqual(given, token)) throw new HttpError(401, 'authentication_failed', 'invalid API token');
  });
}
