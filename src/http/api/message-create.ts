import { defaults } from '../../config/defaults.ts';
import type { FastifyInstance } from 'fastify';
import { apiError } from '../../error-catalogue.ts';
import { GroupCommit } from '../../store/group-commit.ts';
import type { IngestOutcome, NewMessage } from '../../store/store.ts';
import { EventTypeCatalog } from '../../ingest/event-types.ts';
import { announceIngest } from '../../live/announce.ts';
import { created, notFound } from './errors.ts';
import { refuseInvalidPayload } from './message-schema.ts';
import type { ResourceDeps } from './resource-deps.ts';
import { rateOf } from './body-schemas.ts';
import { messageIn } from './body-schemas.ts';
import { appParams, idParam, looseIdParam, pathParams } from './params.ts';
import { messageView } from './views.ts';

interface MessageBody {
  eventType: string;
  eventId?: string | null;
  payload: Record<string, unknown>;
  channels?: string[] | null;
  tags?: string[] | null;
  payloadRetentionPeriod?: number | null;
  payloadRetentionHours?: number | null;
  application?: {
    name: string;
    uid?: string | null;
    rateLimit?: number | null;
    throttleRate?: number | null;
    metadata?: Record<string, string>;
  } | null;
  orderingKey?: string | null;
  sequence?: number | null;
  deliverAt?: string | null;
}

/**
 * `POST /app/{app_id}/msg`: stores the message and one delivery per matching
 * endpoint in one transaction (the store's `ingest`, group-committed like
 * inbound traffic), answering 202 once that commit is durable. A repeated
 * `eventId` within the dedupe window is a 409, as in Svix.
 */
export async function messageCreateRoutes(app: FastifyInstance, deps: ResourceDeps): Promise<void> {
  const { store, config } = deps;
  // No cache: an event type created through the API applies to the very next message.
  const catalog = new EventTypeCatalog(config.eventTypes, (name) => store.getEventType(name), 0);
  const commits = new GroupCommit<NewMessage, IngestOutcome>(
    (batch) => store.ingest(batch),
    config.ingest.groupCommitMaxBatch,
    defaults.ingestCommitsInFlight,
  );
  app.addHook('onClose', async () => {
    await commits.drain();
  });

  app.post<{ Params: { app_id: string }; Body: MessageBody; Querystring: { withContent?: boolean } }>(
    '/app/:app_id/msg',
    {
      schema: {
        params: appParams,
        body: messageIn,
        querystring: { type: 'object', properties: { withContent: { type: 'boolean', default: true } } },
      },
    },
    async (req, reply) => {
      const body = req.body;
      let application = await store.getApplication(req.params.app_id);
      // Svix lets the first message create its application.
      if (!application && body.application) {
        const a = body.application;
        application = created(
          await store.createApplication(
            {
              uid: a.uid ?? req.params.app_id,
              name: a.name,
              throttleRate: rateOf(a, null),
              metadata: a.metadata ?? {},
            },
            Date.now(),
          ),
        );
      }
      if (!application) throw notFound(`application "${req.params.app_id}"`);
      const strict = application.uid !== null && config.applications[application.uid]?.strictEventTypes === true;
      await refuseInvalidPayload(catalog, body.eventType, body.payload, strict);
      const now = Date.now();
      const eventId = body.eventId ?? null;
      const outcome = await commits.submit({
        appId: application.id,
        source: null,
        eventType: body.eventType,
        eventId,
        orderingKey: body.orderingKey ?? null,
        sequence: body.sequence ?? null,
        payload: Buffer.from(JSON.stringify(body.payload)),
        contentType: 'application/json',
        headers: {},
        channels: body.channels?.length ? body.channels : null,
        state: 'accepted',
        error: null,
        dedupeScope: `app:${application.id}`,
        dedupeUntil: eventId === null ? null : now + config.ingest.dedupeWindowMs,
        ...(body.deliverAt ? { notBefore: Date.parse(body.deliverAt) } : {}),
      });
      if ('error' in outcome) throw outcome.error;
      announceIngest(deps.live, {
        source: '',
        app: application.id,
        msgId: outcome.messageId,
        eventType: body.eventType,
        eventId,
        decision: outcome.duplicate ? 'duplicate' : 'accepted',
      });
      if (outcome.duplicate) throw apiError('conflict', `a message with eventId "${eventId}" exists (${outcome.messageId})`);
      if (outcome.deliveries > 0) deps.onQueued();
      const hours = body.payloadRetentionHours ?? (body.payloadRetentionPeriod != null ? body.payloadRetentionPeriod * 24 : null);
      if (hours !== null) await store.setPayloadExpiry(outcome.messageId, now + hours * 3_600_000);
      const message = await store.getMessage(application.id, outcome.messageId);
      if (!message) throw new Error(`message ${outcome.messageId} vanished after it was stored`);
      return reply
        .code(202)
        .send({ ...messageView(message, req.query.withContent !== false), tags: body.tags ?? null, deliverAt: body.deliverAt ?? null });
    },
  );

  app.delete<{ Params: { app_id: string; msg_id: string } }>(
    '/app/:app_id/msg/:msg_id/content',
    {
      schema: {
        params: pathParams({ app_id: idParam, msg_id: looseIdParam }),
      },
    },
    async (req, reply) => {
      const application = await store.getApplication(req.params.app_id);
      if (!application || !(await store.deleteMessageContent(application.id, req.params.msg_id)))
        throw notFound(`message "${req.params.msg_id}"`);
      return reply.code(204).send();
    },
  );
}
