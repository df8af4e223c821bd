import type { FastifyInstance } from 'fastify';
import type { Attempt, MessageState } from '../../store/records.ts';
import type { AttemptQuery, Store } from '../../store/store.ts';
import { notFound } from './errors.ts';
import { appOf, appParams, endpointOf, idParam, looseIdParam, msgParams, pageQuery, pathParams } from './params.ts';
import { attemptView, deliveryView, endpointMessageView, messageView } from './views.ts';

/** The endpoint-side lists' path: their `{endpoint_id}` has always been looked up even when empty (a 404). */
const endpointListParams = pathParams({ app_id: idParam, endpoint_id: looseIdParam });

interface ListQuery {
  limit: number;
  iterator?: string;
  tag?: string;
  eventTypes?: string[];
  channel?: string;
  source?: string;
  status?: MessageState;
  before?: string;
  after?: string;
  withContent?: boolean;
}

/**
 * Svix's `tag` filter. Sluice does not keep message tags, so no message has
 * one and a tag filter matches nothing (rather than everything).
 */
const tag = { type: 'string', maxLength: 128 } as const;

/**
 * Svix's filters of the attempt lists, every one either client version sends;
 * `status` is its MessageStatus (0 success, 1 pending, 2 fail, 3 sending, 4 canceled).
 */
const attemptQuery = {
  type: 'object',
  properties: {
    ...pageQuery,
    status: { type: 'integer', enum: [0, 1, 2, 3, 4] },
    statusCodeClass: { type: 'integer', enum: [0, 100, 200, 300, 400, 500] },
    eventTypes: { type: 'array', items: { type: 'string', maxLength: 256 }, maxItems: 50 },
    channel: { type: 'string', maxLength: 128 },
    tag,
    endpointId: { type: 'string', maxLength: 256 },
    before: { type: 'string', format: 'date-time' },
    after: { type: 'string', format: 'date-time' },
    /** Whether each attempt carries the response body (Svix's default: yes; svix 2.x asks for no). */
    withContent: { type: 'boolean', default: true },
    /** Whether each attempt carries its message (`msg`). */
    withMsg: { type: 'boolean', default: false },
  },
  additionalProperties: false,
} as const;

interface AttemptListQuery {
  limit: number;
  iterator?: string;
  status?: 0 | 1 | 2 | 3 | 4;
  statusCodeClass?: number;
  eventTypes?: string[];
  channel?: string;
  tag?: string;
  endpointId?: string;
  before?: string;
  after?: string;
  withContent?: boolean;
  withMsg?: boolean;
}

/** The store's attempt filters from the query; `undefined` when no attempt can match (an attempt is never pending nor canceled). */
function attemptFilters(q: AttemptListQuery): Partial<AttemptQuery> | undefined {
  if (q.status === 1 || q.status === 3 || q.status === 4 || q.tag !== undefined) return undefined;
  return {
    ...(q.statusCodeClass !== undefined ? { statusClass: q.statusCodeClass } : {}),
    limit: q.limit,
    ...(q.iterator !== undefined ? { iterator: q.iterator } : {}),
    ...(q.status !== undefined ? { succeeded: q.status === 0 } : {}),
    ...(q.eventTypes !== undefined ? { eventTypes: q.eventTypes.flatMap((t) => t.split(',')) } : {}),
    ...(q.channel !== undefined ? { channel: q.channel } : {}),
    ...(q.before !== undefined ? { before: Date.parse(q.before) } : {}),
    ...(q.after !== undefined ? { after: Date.parse(q.after) } : {}),
  };
}

const EMPTY = { data: [], iterator: null, prevIterator: null, done: true };

/** Attempts as Svix shows them: without the response body when `withContent` is off, with their message when `withMsg` is on. */
async function attemptViews(store: Store, appId: string, attempts: Attempt[], q: AttemptListQuery): Promise<Record<string, unknown>[]> {
  const messages = new Map<string, Record<string, unknown> | null>();
  if (q.withMsg === true) {
    for (const id of new Set(attempts.map((a) => a.messageId))) {
      const m = await store.getMessage(appId, id);
      messages.set(id, m ? messageView(m) : null);
    }
  }
  return attempts.map((a) => ({
    ...attemptView(a),
    ...(q.withContent === false ? { response: '' } : {}),
    ...(q.withMsg === true ? { msg: messages.get(a.messageId) ?? null } : {}),
  }));
}

/** Messages of an application: list, read, their deliveries, replay and resend. */
export async function messageRoutes(app: FastifyInstance, opts: { store: Store; onQueued: () => void }): Promise<void> {
  const { store, onQueued } = opts;

  app.get<{ Params: { app_id: string }; Querystring: ListQuery }>(
    '/app/:app_id/msg',
    {
      schema: {
        params: appParams,
        querystring: {
          type: 'object',
          properties: {
            ...pageQuery,
            eventTypes: { type: 'array', items: { type: 'string', maxLength: 256 }, maxItems: 50 },
            channel: { type: 'string', maxLength: 128 },
            source: { type: 'string', maxLength: 64 },
            status: { type: 'string', enum: ['accepted', 'invalid', 'stale'] },
            before: { type: 'string', format: 'date-time' },
            after: { type: 'string', format: 'date-time' },
            tag,
            withContent: { type: 'boolean', default: true },
          },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const q = req.query;
      if (q.tag !== undefined) return EMPTY;
      const page = await store.listMessages({
        appId: await appOf(store, req.params.app_id),
        limit: q.limit,
        ...(q.iterator !== undefined ? { iterator: q.iterator } : {}),
        ...(q.eventTypes !== undefined ? { eventTypes: q.eventTypes.flatMap((t) => t.split(',')) } : {}),
        ...(q.source !== undefined ? { source: q.source } : {}),
        ...(q.channel !== undefined ? { channel: q.channel } : {}),
        ...(q.status !== undefined ? { state: q.status } : {}),
        ...(q.before !== undefined ? { before: Date.parse(q.before) } : {}),
        ...(q.after !== undefined ? { after: Date.parse(q.after) } : {}),
      });
      return { ...page, data: page.data.map((m) => messageView(m, q.withContent !== false)) };
    },
  );

  // Svix resolves `{msg_id}` as a message id or as the eventId it was created with.
  app.get<{ Params: { app_id: string; msg_id: string }; Querystring: { withContent?: boolean } }>(
    '/app/:app_id/msg/:msg_id',
    {
      schema: {
        params: msgParams,
        querystring: { type: 'object', properties: { withContent: { type: 'boolean', default: true } }, additionalProperties: false },
      },
    },
    async (req) => {
      const appId = await appOf(store, req.params.app_id);
      const message = (await store.getMessage(appId, req.params.msg_id)) ?? (await store.getMessageByEventId(appId, req.params.msg_id));
      if (!message) throw notFound(`message "${req.params.msg_id}"`);
      return messageView(message, req.query.withContent !== false);
    },
  );

  app.get<{ Params: { app_id: string; msg_id: string } }>(
    '/app/:app_id/msg/:msg_id/endpoint',
    { schema: { params: msgParams } },
    async (req) => {
      const appId = await appOf(store, req.params.app_id);
      if (!(await store.getMessage(appId, req.params.msg_id))) throw notFound(`message "${req.params.msg_id}"`);
      const endpoints = new Map((await store.listEndpoints(appId)).map((e) => [e.id, e]));
      const data = (await store.listDeliveries(appId, req.params.msg_id)).map((d) => deliveryView(d, endpoints.get(d.endpointId)));
      return { data, iterator: null, prevIterator: null, done: true };
    },
  );

  app.get<{ Params: { app_id: string; msg_id: string; attempt_id: string } }>(
    '/app/:app_id/msg/:msg_id/attempt/:attempt_id',
    {
      schema: { params: pathParams({ app_id: idParam, msg_id: idParam, attempt_id: looseIdParam }) },
    },
    async (req) => {
      const attempt = await store.getAttempt(await appOf(store, req.params.app_id), req.params.attempt_id);
      if (!attempt || attempt.messageId !== req.params.msg_id) throw notFound(`attempt "${req.params.attempt_id}"`);
      return attemptView(attempt);
    },
  );

  // Svix's resend: one more attempt of this message to this endpoint, now (also how a dead delivery is retried).
  app.post<{ Params: { app_id: string; msg_id: string; endpoint_id: string } }>(
    '/app/:app_id/msg/:msg_id/endpoint/:endpoint_id/resend',
    {
      schema: { params: pathParams({ app_id: idParam, msg_id: idParam, endpoint_id: idParam }) },
    },
    async (req, reply) => {
      const appId = await appOf(store, req.params.app_id);
      if (!(await store.getMessage(appId, req.params.msg_id))) throw notFound(`message "${req.params.msg_id}"`);
      const endpoint = await store.getEndpoint(appId, req.params.endpoint_id);
      if (!endpoint) throw notFound(`endpoint "${req.params.endpoint_id}"`);
      const queued = await store.replay(appId, req.params.msg_id, endpoint.id, Date.now());
      if (queued > 0) onQueued();
      return reply.code(202).send({ queued });
    },
  );

  // Sluice's replay: to every endpoint that matches the message now, or to one (`endpointId`).
  app.post<{ Params: { app_id: string; msg_id: string }; Body: { endpointId?: string } | undefined }>(
    '/app/:app_id/msg/:msg_id/replay',
    {
      schema: {
        params: msgParams,
        body: { type: ['object', 'null'], properties: { endpointId: { type: 'string', maxLength: 256 } }, additionalProperties: false },
      },
    },
    async (req, reply) => {
      const appId = await appOf(store, req.params.app_id);
      if (!(await store.getMessage(appId, req.params.msg_id))) throw notFound(`message "${req.params.msg_id}"`);
      let endpointId: string | null = null;
      if (req.body?.endpointId !== undefined) {
        const endpoint = await store.getEndpoint(appId, req.body.endpointId);
        if (!endpoint) throw notFound(`endpoint "${req.body.endpointId}"`);
        endpointId = endpoint.id;
      }
      const queued = await store.replay(appId, req.params.msg_id, endpointId, Date.now());
      if (queued > 0) onQueued();
      return reply.code(202).send({ queued });
    },
  );

  app.get<{ Params: { app_id: string; msg_id: string }; Querystring: AttemptListQuery }>(
    '/app/:app_id/attempt/msg/:msg_id',
    {
      schema: { params: msgParams, querystring: attemptQuery },
    },
    async (req) => {
      const appId = await appOf(store, req.params.app_id);
      const filters = attemptFilters(req.query);
      if (!filters) return EMPTY;
      let endpointId: string | undefined;
      if (req.query.endpointId !== undefined) {
        const endpoint = await store.getEndpoint(appId, req.query.endpointId);
        if (!endpoint) return EMPTY;
        endpointId = endpoint.id;
      }
      const page = await store.listAttempts({
        limit: req.query.limit,
        ...filters,
        appId,
        messageId: req.params.msg_id,
        ...(endpointId ? { endpointId } : {}),
      });
      return { ...page, data: await attemptViews(store, appId, page.data, req.query) };
    },
  );

  // Svix's "list attempted messages": what one endpoint was sent, with each delivery's status.
  // Filters apply to the page read, so a filtered page may hold fewer than `limit` (its iterator still goes on).
  app.get<{
    Params: { app_id: string; endpoint_id: string };
    Querystring: Omit<AttemptListQuery, 'statusCodeClass' | 'endpointId' | 'withMsg'>;
  }>(
    '/app/:app_id/endpoint/:endpoint_id/msg',
    {
      schema: {
        params: endpointListParams,
        querystring: {
          type: 'object',
          properties: {
            ...pageQuery,
            withContent: attemptQuery.properties.withContent,
            status: attemptQuery.properties.status,
            channel: attemptQuery.properties.channel,
            tag,
            eventTypes: attemptQuery.properties.eventTypes,
            before: attemptQuery.properties.before,
            after: attemptQuery.properties.after,
          },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const { appId, endpoint } = await endpointOf(store, req.params);
      const q = req.query;
      if (q.tag !== undefined) return EMPTY;
      const page = await store.listEndpointMessages(appId, endpoint.id, q.limit, q.iterator);
      const types = q.eventTypes?.flatMap((t) => t.split(','));
      const before = q.before !== undefined ? Date.parse(q.before) : Infinity;
      const after = q.after !== undefined ? Date.parse(q.after) : -Infinity;
      const data = page.data
        .filter(
          (m) =>
            (types === undefined || (m.eventType !== null && types.includes(m.eventType))) &&
            (q.channel === undefined || (m.channels ?? []).includes(q.channel)) &&
            m.receivedAt < before &&
            m.receivedAt > after,
        )
        .map((m) => endpointMessageView(m, q.withContent !== false))
        .filter((m) => q.status === undefined || m.status === q.status);
      return { ...page, data };
    },
  );

  app.get<{ Params: { app_id: string; endpoint_id: string }; Querystring: AttemptListQuery }>(
    '/app/:app_id/attempt/endpoint/:endpoint_id',
    {
      schema: {
        params: endpointListParams,
        querystring: attemptQuery,
      },
    },
    async (req) => {
      const { appId, endpoint } = await endpointOf(store, req.params);
      const filters = attemptFilters(req.query);
      if (!filters) return EMPTY;
      const page = await store.listAttempts({ limit: req.query.limit, ...filters, appId, endpointId: endpoint.id });
      return { ...page, data: await attemptViews(store, appId, page.data, req.query) };
    },
  );
}
