import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../observability/logger.ts';
import { newId } from '../../store/ids.ts';
import type { AuditEntry } from '../../store/security.ts';
import type { Store } from '../../store/store.ts';
import { pageQuery } from './params.ts';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The audit log: every mutating call of the scope by a known principal (refused
 * ones too), with who (principal kind and name), what (method and route), which
 * object (the ids the path named), when, the answer's status and the remote
 * address. Written once the answer is sent; a failed write is logged, never
 * turned into a failed request.
 */
export function auditLog(app: FastifyInstance, store: Store, log: Logger): void {
  app.addHook('onResponse', async (req, reply) => {
    const p = req.principal;
    if (!p || READ_METHODS.has(req.method)) return;
    const route = (req.routeOptions.url ?? req.url.split('?')[0] ?? '').replace(/^\/api\/v1(?=\/)/, '');
    const params = (req.params ?? {}) as Record<string, string>;
    const object = Object.entries(params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const entry: AuditEntry = {
      id: newId('aud'),
      at: Date.now(),
      principalKind: p.kind,
      principalName: p.name,
      action: `${req.method} ${route}`,
      object: object || null,
      appId: params.app_id ?? null,
      status: reply.statusCode,
      remoteAddr: req.ip,
    };
    try {
      await store.insertAudit([entry]);
    } catch (err) {
      log.error({ err, action: entry.action, principal: p.name }, 'audit: entry could not be stored');
    }
  });
}

/** `GET /audit` (admin): newest first, filtered by principal name or application. */
export async function auditRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  app.get<{ Querystring: { limit: number; iterator?: string; principal?: string; app?: string } }>(
    '/audit',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { ...pageQuery, principal: { type: 'string', maxLength: 128 }, app: { type: 'string', maxLength: 256 } },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const page = await opts.store.listAudit({
        limit: q.limit,
        ...(q.iterator ? { iterator: q.iterator } : {}),
        ...(q.principal ? { principal: q.principal } : {}),
        ...(q.app ? { appId: q.app } : {}),
      });
      return {
        ...page,
        data: page.data.map((e) => ({
          id: e.id,
          timestamp: new Date(e.at).toISOString(),
          principal: { kind: e.principalKind, name: e.principalName },
          action: e.action,
          object: e.object,
          app: e.appId,
          status: e.status,
          remoteAddr: e.remoteAddr,
        })),
      };
    },
  );
}
