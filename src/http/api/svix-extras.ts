import type { FastifyInstance } from 'fastify';
import { endpointMatches, routeMessage } from '../../delivery/routing.ts';
import { apiError } from '../../error-catalogue.ts';
import type { HttpError } from '../../errors.ts';
import { notFound } from './errors.ts';
import type { Endpoint, Message } from '../../store/records.ts';
import type { DeliveryState, DeliveryView, MessageQuery } from '../../store/store.ts';
import type { ResourceDeps } from './resource-deps.ts';
import { precheckIn, recoverIn } from './body-schemas.ts';
import { appOf, appParams, endpointOf, endpointParams, type EndpointParams as EpParams, idParam, listQuery, pathParams } from './params.ts';
import { PortalSessions } from '../../auth/portal-sessions.ts';
import type { PortalTokens } from '../../auth/portal-tokens.ts';

interface BulkReplayBody {
  since: string;
  until?: string | null;
  eventTypes?: string[] | null;
  channel?: string | null;
  tag?: string | null;
  status?: number | null;
  statusCodeClass?: number | null;
}

/** Svix's BulkReplayIn. */
const bulkReplayIn = {
  type: 'object',
  properties: {
    since: { type: 'string', format: 'date-time' },
    until: { type: ['string', 'null'], format: 'date-time' },
    eventTypes: { type: ['array', 'null'], items: { type: 'string', maxLength: 256 }, maxItems: 50 },
    channel: { type: ['string', 'null'], maxLength: 128 },
    tag: { type: ['string', 'null'], maxLength: 128 },
    status: { type: ['integer', 'null'], enum: [0, 1, 2, 3, 4, null] },
    statusCodeClass: { type: ['integer', 'null'], enum: [0, 100, 200, 300, 400, 500, null] },
  },
  required: ['since'],
  additionalProperties: false,
} as const;

/** Svix's MessageStatus of a delivery state (as the views show it). */
const STATUS_OF: Record<DeliveryState, number> = { succeeded: 0, pending: 1, scheduled: 1, dead: 2, in_flight: 3, skipped: 4 };

function bulkMatches(d: DeliveryView, b: BulkReplayBody): boolean {
  if (b.status != null && STATUS_OF[d.state] !== b.status) return false;
  if (b.statusCodeClass != null) {
    const cls = d.lastStatus === null ? 0 : Math.floor(d.lastStatus / 100) * 100;
    if (cls !== b.statusCodeClass) return false;
  }
  return true;
}

/** At most this many messages are looked at by one replay-missing: a bounded request, said in its answer. */
const REPLAY_SCAN_LIMIT = 10_000;
const REPLAY_PAGE = 250;

/**
 * Routes svix 2.x calls that 1.x did not: message precheck, logout,
 * replay-missing, and the integration routes (a feature Sluice does not have,
 * answered the way Svix answers for an environment without it: an empty list,
 * 403 `feature_not_enabled` for a create, 404 for an id that cannot exist).
 */
export async function svixExtraRoutes(app: FastifyInstance, deps: ResourceDeps & { tokens: PortalTokens }): Promise<void> {
  const { store } = deps;
  const portalSessions = new PortalSessions(store, deps.tokens, deps.config.portal.sessionTtlMs);

  // Whether a message of this type (and these channels) would reach any enabled endpoint now. A payload filter
  // cannot be judged without a payload, so an endpoint that has one counts as reachable.
  app.post<{ Params: { app_id: string }; Body: { eventType: string; channels?: string[] | null } }>(
    '/app/:app_id/msg/precheck/active',
    {
      schema: { params: appParams, body: precheckIn },
    },
    async (req) => {
      const appId = await appOf(store, req.params.app_id);
      const channels = req.body.channels?.length ? req.body.channels : null;
      const endpoints = await store.listEndpoints(appId);
      return { active: endpoints.some((e) => endpointMatches(e, req.body.eventType, channels)) };
    },
  );

  // Logs out the app-portal token the request carries; the API token itself cannot be logged out (as in Svix).
  app.post('/auth/logout', async (req, reply) => {
    const given = req.headers.authorization?.replace(/^Bearer\s+/i, '').trim() ?? '';
    if (!(await portalSessions.logout(given))) {
      throw apiError('forbidden', 'only an app-portal token can be logged out; this request carries the API token');
    }
    return reply.code(204).send();
  });

  /**
   * One replay task over the messages of `[since, until)`: each that `pick`
   * says to send goes to the endpoint again. Runs inside the request, so at
   * most REPLAY_SCAN_LIMIT messages are looked at, and the answer says so.
   */
  const replayTask = async (
    params: EpParams,
    window: { since: string; until?: string | null },
    task: string,
    query: Pick<MessageQuery, 'state' | 'eventTypes' | 'channel'>,
    pick: (m: Message, d: DeliveryView | undefined, endpoint: Endpoint) => boolean,
  ): Promise<Record<string, unknown>> => {
    const { appId, endpoint } = await endpointOf(store, params);
    const now = Date.now();
    const since = Date.parse(window.since);
    const until = window.until ? Date.parse(window.until) : now + 1;
    if (!(since < until)) throw apiError('validation', 'body.until: must be after body.since');
    let queued = 0;
    let scanned = 0;
    let iterator: string | undefined;
    for (;;) {
      const page = await store.listMessages({
        appId,
        limit: REPLAY_PAGE,
        after: since - 1,
        before: until,
        ...query,
        ...(iterator ? { iterator } : {}),
      });
      for (const m of page.data) {
        const delivery = (await store.listDeliveries(appId, m.id)).find((d) => d.endpointId === endpoint.id);
        if (pick(m, delivery, endpoint)) queued += await store.replay(appId, m.id, endpoint.id, now);
      }
      scanned += page.data.length;
      if (page.done || !page.iterator || scanned >= REPLAY_SCAN_LIMIT) break;
      iterator = page.iterator;
    }
    if (queued > 0) deps.onQueued();
    const complete = scanned < REPLAY_SCAN_LIMIT;
    return {
      id: `qtask_${endpoint.id.slice(3)}${now.toString(36)}`,
      status: complete ? 'finished' : 'failed',
      task,
      queued,
      scanned,
      data: { messagesSent: queued },
      ...(complete ? {} : { detail: `stopped after ${REPLAY_SCAN_LIMIT} messages; replay the rest with a later since` }),
      updatedAt: new Date(now).toISOString(),
    };
  };

  // Sends the endpoint what it never got: every message of the window that routes to it and has no delivery to it.
  app.post<{ Params: EpParams; Body: { since: string; until?: string | null } }>(
    '/app/:app_id/endpoint/:endpoint_id/replay-missing',
    {
      schema: { params: endpointParams, body: recoverIn },
    },
    async (req, reply) =>
      reply
        .code(202)
        .send(
          await replayTask(
            req.params,
            req.body,
            'endpoint.replay',
            { state: 'accepted' },
            (m, delivery, endpoint) => delivery === undefined && routeMessage([endpoint], m)[0]?.route === 'deliver',
          ),
        ),
  );

  // Svix's bulk replay: what was already sent to the endpoint in the window, again, narrowed by the
  // delivery's status, its last response's class, the message's type and channel. Tags are not kept, so a tag matches nothing.
  app.post<{ Params: EpParams; Body: BulkReplayBody }>(
    '/app/:app_id/endpoint/:endpoint_id/bulk-replay',
    {
      schema: { params: endpointParams, body: bulkReplayIn },
    },
    async (req, reply) => {
      const b = req.body;
      const query = { ...(b.eventTypes?.length ? { eventTypes: b.eventTypes } : {}), ...(b.channel ? { channel: b.channel } : {}) };
      return reply
        .code(202)
        .send(
          await replayTask(
            req.params,
            b,
            'endpoint.bulk-replay',
            query,
            (_m, delivery) => b.tag == null && delivery !== undefined && bulkMatches(delivery, b),
          ),
        );
    },
  );

  const integParams = pathParams({ app_id: idParam, integ_id: idParam });
  const noIntegration = (id: string): HttpError => notFound(`integration "${id}"`);
  app.get<{ Params: { app_id: string } }>(
    '/app/:app_id/integration',
    { schema: { params: appParams, querystring: listQuery } },
    async (req) => {
      await appOf(store, req.params.app_id);
      return { data: [], iterator: null, prevIterator: null, done: true };
    },
  );
  app.post<{ Params: { app_id: string } }>('/app/:app_id/integration', { schema: { params: appParams } }, async (req) => {
    await appOf(store, req.params.app_id);
    throw apiError('feature_not_enabled', 'integrations are not available in Sluice; use an API token or an app-portal token');
  });
  for (const path of ['/app/:app_id/integration/:integ_id', '/app/:app_id/integration/:integ_id/key']) {
    app.get<{ Params: { app_id: string; integ_id: string } }>(path, { schema: { params: integParams } }, async (req) => {
      await appOf(store, req.params.app_id);
      throw noIntegration(req.params.integ_id);
    });
  }
  for (const method of ['PUT', 'DELETE'] as const) {
    app.route<{ Params: { app_id: string; integ_id: string } }>({
      method,
      url: '/app/:app_id/integration/:integ_id',
      schema: { params: integParams },
      handler: async (req) => {
        await appOf(store, req.params.app_id);
        throw noIntegration(req.params.integ_id);
      },
    });
  }
  app.post<{ Params: { app_id: string; integ_id: string } }>(
    '/app/:app_id/integration/:integ_id/key/rotate',
    { schema: { params: integParams } },
    async (req) => {
      await appOf(store, req.params.app_id);
      throw noIntegration(req.params.integ_id);
    },
  );
}
