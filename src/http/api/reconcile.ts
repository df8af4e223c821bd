import type { FastifyInstance } from 'fastify';
import { apiError } from '../../error-catalogue.ts';
import type { ReconcileRun } from '../../store/reconcile.ts';
import type { Store } from '../../store/store.ts';
import { notFound } from './errors.ts';
import { pageQuery, pathParams } from './params.ts';

/** What the routes need of the scheduler: a run now. */
export interface ReconcileTrigger {
  runNow(source: string): Promise<ReconcileRun> | 'unknown' | 'not-reconciling' | 'running';
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function runView(r: ReconcileRun): Record<string, unknown> {
  return { ...r, startedAt: iso(r.startedAt), finishedAt: iso(r.finishedAt) };
}

/** `GET /reconcile/runs` (every run, newest first) and `POST /sources/{source}/reconcile` (a run now, answered when it ends). */
export async function reconcileRoutes(app: FastifyInstance, deps: { store: Store; reconcile: ReconcileTrigger }): Promise<void> {
  app.get<{ Querystring: { limit: number; iterator?: string; source?: string } }>(
    '/reconcile/runs',
    {
      schema: { querystring: { type: 'object', properties: { ...pageQuery, source: { type: 'string', minLength: 1, maxLength: 64 } } } },
    },
    async (req) => {
      const page = await deps.store.listReconcileRuns({
        limit: req.query.limit,
        ...(req.query.iterator ? { iterator: req.query.iterator } : {}),
        ...(req.query.source ? { source: req.query.source } : {}),
      });
      return { ...page, data: page.data.map(runView) };
    },
  );

  app.post<{ Params: { source: string } }>(
    '/sources/:source/reconcile',
    {
      schema: { params: pathParams({ source: { type: 'string', minLength: 1, maxLength: 64 } }) },
    },
    async (req) => {
      const started = deps.reconcile.runNow(req.params.source);
      if (started === 'unknown') throw notFound(`source "${req.params.source}"`);
      if (started === 'not-reconciling') throw apiError('not_reconciling', `source "${req.params.source}" has no reconcile: settings`);
      if (started === 'running') throw apiError('conflict', `a reconciliation run of "${req.params.source}" is under way in this process`);
      return runView(await started);
    },
  );
}
