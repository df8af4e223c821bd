import type { FastifyInstance } from 'fastify';
import { apiError } from '../../error-catalogue.ts';
import { statusesFor, timeRange } from '../../recovery/filter.ts';
import type { BulkAction, BulkFilter, BulkJob } from '../../store/bulk-jobs.ts';
import type { Store } from '../../store/store.ts';
import { callerOf, type Caller } from './caller.ts';
import { notFound } from './errors.ts';
import { pageQuery, pathParams } from './params.ts';

export interface BulkJobDeps {
  store: Store;
  /** A job was created: wake this process's runner, if it has one. */
  onBulkJob: () => void;
}

export interface BulkJobRequest {
  action: BulkAction;
  filter: { app?: string; endpoint?: string; status?: string[]; eventTypes?: string[]; source?: string; since?: string; until?: string };
  dryRun?: boolean;
}

const names = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 256 }, maxItems: 100 } as const;
export const bulkJobIn = {
  type: 'object',
  properties: {
    action: { type: 'string', enum: ['retry', 'replay'] },
    filter: {
      type: 'object',
      properties: {
        app: { type: 'string', minLength: 1, maxLength: 256 },
        endpoint: { type: 'string', minLength: 1, maxLength: 256 },
        status: names,
        eventTypes: names,
        source: { type: 'string', minLength: 1, maxLength: 256 },
        since: { type: 'string', maxLength: 64 },
        until: { type: 'string', maxLength: 64 },
      },
      additionalProperties: false,
    },
    dryRun: { type: 'boolean' },
  },
  required: ['action', 'filter'],
  additionalProperties: false,
} as const;
const idParams = pathParams({ id: { type: 'string', minLength: 1, maxLength: 64 } });

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function bulkJobView(job: BulkJob): Record<string, unknown> {
  const f = job.filter;
  return {
    id: job.id,
    action: job.action,
    state: job.state,
    total: job.total,
    done: job.done,
    failed: job.failed,
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
    finishedAt: iso(job.finishedAt),
    filter: {
      app: f.appId,
      endpoint: f.endpointId,
      status: f.status,
      eventTypes: f.eventTypes,
      source: f.source,
      since: iso(f.since),
      until: iso(f.until),
    },
    report: job.report,
    requestedBy: job.requestedBy,
  };
}

/** A job in Svix's `RecoverOut`/`ReplayOut` shape (`{id, status, task}`), with its progress beside. */
export function recoverView(job: BulkJob, task: string): Record<string, unknown> {
  const open = job.state === 'queued' || job.state === 'running';
  return { id: job.id, status: open ? 'running' : 'finished', task, total: job.total, updatedAt: iso(job.updatedAt) };
}

/** The ids of the applications a caller is held to (scopes may name uids; jobs hold ids), or `null` for all. */
async function callerAppIds(store: Store, caller: Caller): Promise<string[] | null> {
  if (caller.applications === null) return null;
  const apps = await Promise.all(caller.applications.map((a) => store.getApplication(a)));
  return apps.flatMap((a) => (a ? [a.id] : []));
}

/**
 * Resolves a request's filter to ids, held to the caller's applications: a
 * scoped caller gets its own application when it names none, and 403 for
 * another one. Throws 4xx naming the problem.
 */
export async function resolveFilter(store: Store, caller: Caller, body: BulkJobRequest, now: number): Promise<BulkFilter> {
  const statuses = statusesFor(body.action, body.filter.status);
  if ('problem' in statuses) throw apiError('validation', statuses.problem);
  const range = timeRange(body.filter.since, body.filter.until, now);
  if ('problem' in range) throw apiError('validation', range.problem);
  let appId: string | null = null;
  const named = body.filter.app ?? (caller.applications?.length === 1 ? caller.applications[0] : undefined);
  if (named !== undefined) {
    const app = await store.getApplication(named);
    if (!app) throw notFound(`application "${named}"`);
    if (
      caller.applications !== null &&
      !caller.applications.includes(app.id) &&
      !(app.uid !== null && caller.applications.includes(app.uid))
    ) {
      throw apiError('forbidden', `this token may not touch application "${named}"`);
    }
    appId = app.id;
  } else if (caller.applications !== null) {
    throw apiError('validation', 'filter.app: required for a token held to several applications');
  }
  let endpointId: string | null = null;
  if (body.filter.endpoint !== undefined) {
    if (appId === null) throw apiError('validation', 'filter.endpoint: needs filter.app (endpoint ids and uids belong to an application)');
    const endpoint = await store.getEndpoint(appId, body.filter.endpoint);
    if (!endpoint) throw notFound(`endpoint "${body.filter.endpoint}"`);
    endpointId = endpoint.id;
  }
  return {
    appId,
    endpointId,
    status: statuses.ok,
    eventTypes: body.filter.eventTypes ?? null,
    source: body.filter.source ?? null,
    since: range.ok.since,
    until: range.ok.until,
  };
}

/** Counts, then (unless a dry run) stores a job for the worker role to run. */
export async function startBulkJob(deps: BulkJobDeps, caller: Caller, body: BulkJobRequest): Promise<{ count: number } | BulkJob> {
  const now = Date.now();
  const filter = await resolveFilter(deps.store, caller, body, now);
  const count = await deps.store.countBulkTargets(filter);
  if (body.dryRun) return { count };
  const job = await deps.store.createBulkJob({ action: body.action, filter, total: count, requestedBy: caller.name }, now);
  deps.onBulkJob();
  return job;
}

/** `/bulk-jobs`: retry or replay every delivery matching a filter, as an asynchronous job. */
export async function bulkJobRoutes(app: FastifyInstance, deps: BulkJobDeps): Promise<void> {
  const { store } = deps;
  const find = async (id: string, caller: Caller): Promise<BulkJob> => {
    const job = await store.getBulkJob(id);
    const appIds = await callerAppIds(store, caller);
    // Another application's job is not there at all for a scoped caller.
    if (!job || (appIds !== null && (job.filter.appId === null || !appIds.includes(job.filter.appId)))) throw notFound(`bulk job "${id}"`);
    return job;
  };

  app.post<{ Body: BulkJobRequest }>('/bulk-jobs', { schema: { body: bulkJobIn } }, async (req, reply) => {
    const result = await startBulkJob(deps, callerOf(req), req.body);
    if ('count' in result) return reply.code(200).send(result);
    return reply.code(202).send(bulkJobView(result));
  });

  app.get<{ Querystring: { limit: number; iterator?: string } }>(
    '/bulk-jobs',
    {
      schema: { querystring: { type: 'object', properties: pageQuery } },
    },
    async (req) => {
      const appIds = await callerAppIds(store, callerOf(req));
      const page = await store.listBulkJobs({
        appIds,
        limit: req.query.limit,
        ...(req.query.iterator ? { iterator: req.query.iterator } : {}),
      });
      return { ...page, data: page.data.map(bulkJobView) };
    },
  );

  app.get<{ Params: { id: string } }>('/bulk-jobs/:id', { schema: { params: idParams } }, async (req) =>
    bulkJobView(await find(req.params.id, callerOf(req))),
  );

  app.post<{ Params: { id: string } }>('/bulk-jobs/:id/cancel', { schema: { params: idParams } }, async (req) => {
    const job = await find(req.params.id, callerOf(req));
    if (job.state !== 'queued' && job.state !== 'running')
      throw apiError('conflict', `bulk job "${job.id}" has already ended (${job.state})`);
    const cancelled = await store.cancelBulkJob(job.id, Date.now());
    if (cancelled && cancelled.state !== 'cancelled')
      throw apiError('conflict', `bulk job "${job.id}" ended (${cancelled.state}) before it could be cancelled`);
    return bulkJobView(cancelled ?? job);
  });
}
