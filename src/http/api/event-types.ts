import type { FastifyInstance } from 'fastify';
import type { EventType, EventTypeInput } from '../../store/management.ts';
import { created, notFound, validation } from './errors.ts';
import { schemaProblem } from '../../ingest/schema.ts';
import type { ResourceDeps } from './resource-deps.ts';
import { eventTypeIn, eventTypeName, eventTypeUpdate } from './body-schemas.ts';
import { listQuery, pathParams } from './params.ts';
import { eventTypeView } from './resource-views.ts';
import { principalOf } from './auth.ts';
import { seesEventType } from './portal-limits.ts';

type Body = Partial<Omit<EventTypeInput, 'name'>> & { name?: string; featureFlags?: string[] | null };
const params = pathParams({ name: eventTypeName });

/**
 * The event type a create, PUT or PATCH asks for, its schemas compiled now: a
 * schema that does not compile (an unresolvable `$ref`) is a 422 here, not a
 * message stored unchecked later, and the compiled validator is ready before
 * the first message needs it.
 */
function merge(name: string, current: EventType | null, body: Body): EventTypeInput {
  for (const [version, schema] of Object.entries(body.schemas ?? {})) {
    const problem = schemaProblem(schema);
    if (problem) throw validation(`body.schemas.${version}`, problem);
  }
  const flag =
    body.featureFlag !== undefined ? body.featureFlag : body.featureFlags !== undefined ? (body.featureFlags?.[0] ?? null) : undefined;
  return {
    name,
    description: body.description ?? current?.description ?? '',
    schemas: body.schemas !== undefined ? body.schemas : (current?.schemas ?? null),
    deprecated: body.deprecated ?? current?.deprecated ?? false,
    archived: body.archived ?? current?.archived ?? false,
    featureFlag: flag !== undefined ? flag : (current?.featureFlag ?? null),
    groupName: body.groupName !== undefined ? body.groupName : (current?.groupName ?? null),
  };
}

/** Event types (`/event-type`): names with optional JSON Schemas per version. DELETE archives unless `expunge=true`. */
export async function eventTypeRoutes(app: FastifyInstance, deps: ResourceDeps): Promise<void> {
  const { store } = deps;

  app.get<{ Querystring: { limit: number; iterator?: string; includeArchived?: boolean; withContent?: boolean } }>(
    '/event-type',
    {
      schema: {
        querystring: {
          ...listQuery,
          properties: {
            ...listQuery.properties,
            includeArchived: { type: 'boolean', default: false },
            withContent: { type: 'boolean', default: false },
          },
        },
      },
    },
    async (req) => {
      const q = req.query;
      const page = await store.listEventTypes({
        limit: q.limit,
        includeArchived: q.includeArchived === true,
        ...(q.iterator ? { iterator: q.iterator } : {}),
      });
      // A portal session's page leaves out the types its feature flags do not open (it may come out shorter than `limit`).
      const p = principalOf(req);
      return { ...page, data: page.data.filter((e) => seesEventType(p, e)).map((e) => eventTypeView(e, q.withContent === true)) };
    },
  );

  // Creating a type that exists only archived brings it back, as Svix does; a live one is a 409.
  app.post<{ Body: Body & { name: string } }>('/event-type', { schema: { body: eventTypeIn } }, async (req, reply) => {
    const existing = await store.getEventType(req.body.name);
    if (existing?.archived) {
      const revived = await store.updateEventType(
        merge(req.body.name, null, { ...req.body, archived: req.body.archived ?? false }),
        Date.now(),
      );
      return reply.code(201).send(eventTypeView(revived as EventType));
    }
    const made = created(await store.createEventType(merge(req.body.name, null, req.body), Date.now()));
    return reply.code(201).send(eventTypeView(made));
  });

  app.get<{ Params: { name: string } }>('/event-type/:name', { schema: { params } }, async (req) => {
    const found = await store.getEventType(req.params.name);
    // A type hidden from a portal session by its feature flag is, to that session, one that does not exist.
    if (!found || !seesEventType(principalOf(req), found)) throw notFound(`event type "${req.params.name}"`);
    return eventTypeView(found);
  });

  app.put<{ Params: { name: string }; Body: Body }>(
    '/event-type/:name',
    { schema: { params, body: eventTypeUpdate } },
    async (req, reply) => {
      const updated = await store.updateEventType(merge(req.params.name, null, req.body), Date.now());
      if (updated) return eventTypeView(updated);
      const made = created(await store.createEventType(merge(req.params.name, null, req.body), Date.now()));
      return reply.code(201).send(eventTypeView(made));
    },
  );

  app.patch<{ Params: { name: string }; Body: Body }>('/event-type/:name', { schema: { params, body: eventTypeUpdate } }, async (req) => {
    const current = await store.getEventType(req.params.name);
    if (!current) throw notFound(`event type "${req.params.name}"`);
    return eventTypeView((await store.updateEventType(merge(req.params.name, current, req.body), Date.now())) as EventType);
  });

  app.delete<{ Params: { name: string }; Querystring: { expunge?: boolean } }>(
    '/event-type/:name',
    {
      schema: {
        params,
        querystring: { type: 'object', properties: { expunge: { type: 'boolean', default: false } }, additionalProperties: false },
      },
    },
    async (req, reply) => {
      const current = await store.getEventType(req.params.name);
      if (!current) throw notFound(`event type "${req.params.name}"`);
      if (req.query.expunge) await store.deleteEventType(current.name);
      else await store.updateEventType({ ...current, archived: true }, Date.now());
      return reply.code(204).send();
    },
  );
}
