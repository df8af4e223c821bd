import type { FastifyInstance } from 'fastify';
import { apiError } from '../../error-catalogue.ts';
import type { MessageSearch } from '../../store/console.ts';
import type { Message } from '../../store/records.ts';
import type { Store } from '../../store/store.ts';
import { rejectBadQuery, timeParam } from './bad-query.ts';
import { notFound } from './errors.ts';
import { idParam, pageQuery, pathParams } from './params.ts';
import { deliveryView, messageView } from './views.ts';

interface SearchQuery {
  limit: number;
  iterator?: string;
  app?: string;
  source?: string;
  eventType?: string;
  state?: Message['state'];
  deliveryState?: MessageSearch['deliveryState'];
  endpoint?: string;
  before?: string;
  after?: string;
  eventId?: string;
  q?: string;
  withDeliveries?: boolean;
}

const searchQuery = {
  type: 'object',
  properties: {
    ...pageQuery,
    app: { type: 'string', maxLength: 256 },
    source: { type: 'string', maxLength: 64 },
    eventType: { type: 'string', maxLength: 1024 },
    state: { type: 'string', enum: ['accepted', 'invalid', 'stale'] },
    deliveryState: { type: 'string', enum: ['pending', 'in_flight', 'scheduled', 'succeeded', 'dead', 'skipped'] },
    endpoint: { type: 'string', maxLength: 256 },
    before: { type: 'string', maxLength: 64 },
    after: { type: 'string', maxLength: 64 },
    eventId: { type: 'string', maxLength: 256 },
    q: { type: 'string', minLength: 1, maxLength: 256 },
    withDeliveries: { type: 'boolean', default: false },
  },
  additionalProperties: false,
} as const;

/** A message as the console lists it: Svix's shape, its application, and how big its payload is. */
function listed(m: Message): Record<string, unknown> {
  return { ...messageView(m, false), appId: m.appId, size: m.payload?.length ?? null };
}

/**
 * The console's view of messages across applications: `GET /messages` with
 * every filter of the list page (400 naming a bad one), `GET /messages/{id}`
 * with the stored headers, and `GET /messages/{id}/raw`, the payload's bytes
 * exactly as received.
 */
export async function messageSearchRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get<{ Querystring: SearchQuery }>('/messages', { attachValidation: true, schema: { querystring: searchQuery } }, async (req) => {
    rejectBadQuery(req);
    const q = req.query;
    const search: MessageSearch = { limit: q.limit };
    if (q.iterator !== undefined) {
      if (!/^-?msg_[A-Za-z0-9]{1,40}$/.test(q.iterator)) throw apiError('bad_request', 'iterator: not an iterator this list gave');
      search.iterator = q.iterator;
    }
    if (q.app !== undefined) {
      const found = await store.getApplication(q.app);
      if (!found) throw apiError('bad_request', `app: no application "${q.app}"`);
      search.appId = found.id;
    }
    if (q.endpoint !== undefined) {
      if (search.appId !== undefined) {
        const endpoint = await store.getEndpoint(search.appId, q.endpoint);
        if (!endpoint) throw apiError('bad_request', `endpoint: no endpoint "${q.endpoint}" in application "${q.app}"`);
        search.endpointId = endpoint.id;
      } else if (/^ep_[A-Za-z0-9]{22}$/.test(q.endpoint)) {
        search.endpointId = q.endpoint;
      } else {
        throw apiError('bad_request', "endpoint: give the endpoint's id (ep_…), or its uid together with app");
      }
    }
    if (q.source !== undefined) search.source = q.source;
    if (q.eventType !== undefined)
      search.eventTypes = q.eventType
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
    if (q.state !== undefined) search.state = q.state;
    if (q.deliveryState !== undefined) search.deliveryState = q.deliveryState;
    if (q.eventId !== undefined) search.eventId = q.eventId;
    if (q.q !== undefined) search.text = Buffer.from(q.q, 'utf8');
    const before = timeParam('before', q.before);
    const after = timeParam('after', q.after);
    if (before !== undefined) search.before = before;
    if (after !== undefined) search.after = after;
    if (before !== undefined && after !== undefined && after >= before) throw apiError('bad_request', 'after: must be earlier than before');

    const page = await store.searchMessages(search);
    const data = await Promise.all(
      page.data.map(async (m) => {
        const row = listed(m);
        if (q.withDeliveries) row.deliveries = (await store.listDeliveries(m.appId, m.id)).map((d) => deliveryView(d));
        return row;
      }),
    );
    return { ...page, data };
  });

  const params = pathParams({ msg_id: idParam });

  app.get<{ Params: { msg_id: string } }>('/messages/:msg_id', { schema: { params } }, async (req) => {
    const m = await store.findMessage(req.params.msg_id);
    if (!m) throw notFound(`message "${req.params.msg_id}"`);
    const application = await store.getApplication(m.appId);
    return {
      ...messageView(m, true),
      appId: m.appId,
      appUid: application?.uid ?? null,
      appName: application?.name ?? null,
      headers: m.headers,
      size: m.payload?.length ?? null,
    };
  });

  app.get<{ Params: { msg_id: string } }>('/messages/:msg_id/raw', { schema: { params } }, async (req, reply) => {
    const m = await store.findMessage(req.params.msg_id);
    if (!m) throw notFound(`message "${req.params.msg_id}"`);
    if (m.payload === null) throw apiError('payload_purged', `the payload of message "${m.id}" was removed by retention`);
    // octet-stream and nosniff: the bytes are shown, never run, whatever the sender claimed they were.
    return reply
      .header('x-content-type-options', 'nosniff')
      .header('sluice-content-type', m.contentType ?? '')
      .type('application/octet-stream')
      .send(m.payload);
  });
}
