import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiError } from '../../error-catalogue.ts';
import type { Store } from '../../store/store.ts';

const KEY_MAX = 256;
const claims = new WeakMap<FastifyRequest, { scope: string; key: string }>();

/**
 * `Idempotency-Key` on POSTs: the first answer (status and body) to a key is
 * stored for `ttlMs`, per caller (a hash of its principal), and replayed to
 * every repeat, across restarts and processes. A repeat that arrives while the
 * first is still running gets 409; a key reused for another route, 422. A
 * request that fails with a 5xx forgets its key, so a retry runs again.
 */
export function idempotency(app: FastifyInstance, store: Store, ttlMs: number): void {
  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST') return;
    const header = req.headers['idempotency-key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined || key === '') return;
    if (key.length > KEY_MAX) throw apiError('validation', `header.idempotency-key: must be at most ${KEY_MAX} characters`);
    // Per principal, not per spelling of its credential.
    const who = req.principal ? `${req.principal.kind}:${req.principal.name}` : (req.headers.authorization ?? '');
    const scope = createHash('sha256').update(who).digest('base64url').slice(0, 32);
    const request = `POST ${req.url.split('?')[0]}`;
    const now = Date.now();
    const claim = await store.claimIdempotency(scope, key, request, now, now + ttlMs);
    if (claim.state === 'claimed') {
      claims.set(req, { scope, key });
      return;
    }
    if (claim.request !== request) throw apiError('idempotency_key_reused', `this Idempotency-Key was used for ${claim.request}`);
    if (claim.state === 'running') throw apiError('idempotency_conflict', 'a request with this Idempotency-Key is still running');
    reply.header('idempotent-replayed', 'true').header('content-type', 'application/json; charset=utf-8');
    return reply.code(claim.status).send(claim.body === '' ? undefined : claim.body);
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const claim = claims.get(req);
    if (!claim) return payload;
    claims.delete(req);
    if (reply.statusCode >= 500) await store.releaseIdempotency(claim.scope, claim.key);
    else
      await store.completeIdempotency(
        claim.scope,
        claim.key,
        reply.statusCode,
        typeof payload === 'string' ? payload : payload === null || payload === undefined ? '' : String(payload),
      );
    return payload;
  });
}
