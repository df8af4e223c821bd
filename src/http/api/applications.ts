import type { FastifyInstance } from 'fastify';
import type { ApplicationInput } from '../../store/management.ts';
import type { Application } from '../../store/records.ts';
import { created, notFound } from './errors.ts';
import { applicationIn, applicationPatch } from './body-schemas.ts';
import { appParams, listQuery } from './params.ts';
import { applicationView } from './resource-views.ts';
import type { ResourceDeps } from './resource-deps.ts';
import { rateOf } from './body-schemas.ts';

interface AppBody {
  name?: string;
  uid?: string | null;
  rateLimit?: number | null;
  throttleRate?: number | null;
  metadata?: Record<string, string>;
}

function merge(current: Application | null, body: AppBody): ApplicationInput {
  return {
    uid: body.uid !== undefined ? body.uid : (current?.uid ?? null),
    name: body.name ?? current?.name ?? '',
    throttleRate: rateOf(body, current?.throttleRate ?? null),
    metadata: body.metadata ?? current?.metadata ?? {},
  };
}

interface AppListQuery {
  limit: number;
  iterator?: string;
  excludeAppsWithNoEndpoints?: boolean;
  excludeAppsWithDisabledEndpoints?: boolean;
}
const appListQuery = {
  ...listQuery,
  properties: {
    ...listQuery.properties,
    excludeAppsWithNoEndpoints: { type: 'boolean' },
    excludeAppsWithDisabledEndpoints: { type: 'boolean' },
    excludeAppsWithSvixPlayEndpoints: { type: 'boolean' },
  },
} as const;

/** Applications: Svix's `/app` routes; `{app_id}` is the id or the uid. */
export async function applicationRoutes(app: FastifyInstance, deps: ResourceDeps): Promise<void> {
  const { store } = deps;
  const find = async (idOrUid: string): Promise<Application> => {
    const found = await store.getApplication(idOrUid);
    if (!found) throw notFound(`application "${idOrUid}"`);
    return found;
  };

  // svix 2.x's exclusions apply to the page read (it may hold fewer than `limit`); Sluice has no Svix Play endpoints to exclude.
  app.get<{ Querystring: AppListQuery }>('/app', { schema: { querystring: appListQuery } }, async (req) => {
    const q = req.query;
    const page = await store.listApplications({ limit: q.limit, ...(q.iterator ? { iterator: q.iterator } : {}) });
    let data = page.data;
    if (q.excludeAppsWithNoEndpoints || q.excludeAppsWithDisabledEndpoints) {
      const kept = [];
      for (const a of data) {
        const endpoints = await store.listEndpoints(a.id);
        if (q.excludeAppsWithNoEndpoints && endpoints.length === 0) continue;
        if (q.excludeAppsWithDisabledEndpoints && endpoints.some((e) => e.disabled)) continue;
        kept.push(a);
      }
      data = kept;
    }
    return { ...page, data: data.map(applicationView) };
  });

  // `get_if_exists=true` is Svix's getOrCreate: an existing uid answers 200 with that application.
  app.post<{ Body: AppBody; Querystring: { getIfExists?: boolean } }>(
    '/app',
    {
      schema: { body: applicationIn, querystring: { type: 'object', properties: { getIfExists: { type: 'boolean' } } } },
    },
    async (req, reply) => {
      if (req.query.getIfExists && req.body.uid) {
        const existing = await store.getApplication(req.body.uid);
        if (existing) return reply.code(200).send(applicationView(existing));
      }
      const made = created(await store.createApplication(merge(null, req.body), Date.now()));
      return reply.code(201).send(applicationView(made));
    },
  );

  app.get<{ Params: { app_id: string } }>('/app/:app_id', { schema: { params: appParams } }, async (req) =>
    applicationView(await find(req.params.app_id)),
  );

  // PUT creates the application when the path names a uid that does not exist yet (as Svix does).
  app.put<{ Params: { app_id: string }; Body: AppBody }>(
    '/app/:app_id',
    { schema: { params: appParams, body: applicationIn } },
    async (req, reply) => {
      const current = await store.getApplication(req.params.app_id);
      if (!current) {
        const made = created(await store.createApplication(merge(null, { uid: req.params.app_id, ...req.body }), Date.now()));
        return reply.code(201).send(applicationView(made));
      }
      const input = merge(null, req.body);
      const updated = await store.updateApplication(
        current.id,
        { ...input, uid: req.body.uid !== undefined ? input.uid : current.uid },
        Date.now(),
      );
      if (!updated) throw notFound(`application "${req.params.app_id}"`);
      return applicationView(created(updated));
    },
  );

  app.patch<{ Params: { app_id: string }; Body: AppBody }>(
    '/app/:app_id',
    { schema: { params: appParams, body: applicationPatch } },
    async (req) => {
      const current = await find(req.params.app_id);
      const updated = await store.updateApplication(current.id, merge(current, req.body), Date.now());
      if (!updated) throw notFound(`application "${req.params.app_id}"`);
      return applicationView(created(updated));
    },
  );

  app.delete<{ Params: { app_id: string } }>('/app/:app_id', { schema: { params: appParams } }, async (req, reply) => {
    const current = await find(req.params.app_id);
    await store.deleteApplication(current.id);
    return reply.code(204).send();
  });
}
