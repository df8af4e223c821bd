import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/types.ts';
import { EventTypeCatalog } from '../../ingest/event-types.ts';
import { parseBody } from '../../ingest/parse-body.ts';
import type { Message, ValidationIssue } from '../../store/records.ts';
import type { Store } from '../../store/store.ts';
import { appOf, appParams as params, pageQuery } from './params.ts';
import { messageView } from './views.ts';

/** Messages looked at by one release call at most (the caller repeats for more). */
const RELEASE_LIMIT_MAX = 5000;

function issuesOf(m: Message): ValidationIssue[] {
  return m.validationErrors ?? (m.error !== null ? [{ path: '', message: m.error }] : []);
}

/** The quarantine: an application's `invalid` messages, with every validation error and the full payload. */
export function quarantineView(m: Message): Record<string, unknown> {
  return { ...messageView(m, true), errors: issuesOf(m) };
}

/**
 * The quarantine (inbound messages that failed their schema, or had an unknown
 * type in a strict application) and "revalidate and release": each message is
 * checked again against the schemas as they are now (looked up afresh), and the
 * ones that pass are accepted and delivered; the others stay, with their new errors shown.
 */
export async function quarantineRoutes(app: FastifyInstance, opts: { store: Store; config: Config; onQueued: () => void }): Promise<void> {
  const { store, config, onQueued } = opts;
  const catalog = new EventTypeCatalog(config.eventTypes, (name) => store.getEventType(name), 0);

  app.get<{ Params: { app_id: string }; Querystring: { limit: number; iterator?: string } }>(
    '/app/:app_id/quarantine',
    {
      schema: { params, querystring: { type: 'object', properties: pageQuery, additionalProperties: false } },
    },
    async (req) => {
      const page = await store.listMessages({
        appId: await appOf(store, req.params.app_id),
        state: 'invalid',
        limit: req.query.limit,
        ...(req.query.iterator !== undefined ? { iterator: req.query.iterator } : {}),
      });
      return { ...page, data: page.data.map(quarantineView) };
    },
  );

  app.post<{
    Params: { app_id: string };
    Body: { messageIds?: string[]; eventTypes?: string[]; limit?: number; dryRun?: boolean } | undefined;
  }>(
    '/app/:app_id/quarantine/release',
    {
      schema: {
        params,
        body: {
          type: ['object', 'null'],
          properties: {
            messageIds: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 256 }, maxItems: 1000 },
            eventTypes: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 256 }, maxItems: 50 },
            limit: { type: 'integer', minimum: 1, maximum: RELEASE_LIMIT_MAX },
            // Revalidates and reports what a release would do, releasing nothing: the console shows the count first.
            dryRun: { type: 'boolean' },
          },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const appId = await appOf(store, req.params.app_id);
      const uid = (await store.getApplication(appId))?.uid ?? null;
      const strict = uid !== null && config.applications[uid]?.strictEventTypes === true;
      const wanted = req.body?.messageIds;
      const limit = req.body?.limit ?? 1000;
      const candidates: Message[] = [];
      if (wanted !== undefined) {
        for (const id of wanted) {
          const m = await store.getMessage(appId, id);
          if (m?.state === 'invalid') candidates.push(m);
        }
      } else {
        let iterator: string | undefined;
        // Oldest problems are as releasable as new ones: page through until the limit.
        for (let pages = 0; candidates.length < limit && pages < 1000; pages++) {
          const page = await store.listMessages({
            appId,
            state: 'invalid',
            limit: Math.min(250, limit - candidates.length),
            ...(req.body?.eventTypes ? { eventTypes: req.body.eventTypes } : {}),
            ...(iterator !== undefined ? { iterator } : {}),
          });
          candidates.push(...page.data);
          if (page.done || page.iterator === null) break;
          iterator = page.iterator;
        }
      }
      const pass: string[] = [];
      const stillInvalid: Array<{ id: string; errors: ValidationIssue[] }> = [];
      for (const m of candidates) {
        const parsed =
          m.payload === null
            ? { ok: false as const, error: 'the payload was purged' }
            : parseBody(m.payload, m.contentType ?? undefined, config.ingest.maxNestingDepth);
        if (!parsed.ok) {
          stillInvalid.push({ id: m.id, errors: [{ path: '', message: parsed.error }] });
          continue;
        }
        const verdict = await catalog.check(m.eventType, parsed.value, strict, true);
        if (verdict.ok) pass.push(m.id);
        else stillInvalid.push({ id: m.id, errors: verdict.issues });
      }
      if (req.body?.dryRun === true) {
        return { checked: candidates.length, released: pass.map((id) => ({ id, deliveries: null })), stillInvalid, dryRun: true };
      }
      const released = await store.releaseMessages(appId, pass, Date.now());
      if (released.some((r) => r.deliveries > 0)) onQueued();
      return {
        checked: candidates.length,
        released: released.map((r) => ({ id: r.messageId, deliveries: r.deliveries })),
        stillInvalid,
      };
    },
  );
}
