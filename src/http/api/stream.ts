import type { FastifyInstance } from 'fastify';
import { defaults } from '../../config/defaults.ts';
import { apiError } from '../../error-catalogue.ts';
import type { LiveBus } from '../../live/bus.ts';
import type { LiveEvent, LiveFilter } from '../../live/events.ts';
import { LiveFeed } from '../../live/feed.ts';
import type { Store } from '../../store/store.ts';
import { rejectBadQuery } from './bad-query.ts';

const HEARTBEAT_MS = 15_000;
/** Bytes a client may leave unread in its socket before it counts as stalled. */
const MAX_UNSENT_BYTES = 1024 * 1024;
/**
 * Events for one client are gathered for this long and written together: a
 * write per event was a syscall per ingest request for every open console,
 * which busy ingest felt; a person watching cannot tell 50 ms.
 */
const FLUSH_MS = 50;

interface StreamQuery {
  app?: string;
  source?: string;
  endpoint?: string;
  events?: string;
  maxPerSecond?: number;
}

/** The `events` list (`ingest,attempt`), or a 400 naming the parameter. */
export function parseEventTypes(text: string | undefined): Set<LiveEvent['type']> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const out = new Set<LiveEvent['type']>();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    if (part !== 'ingest' && part !== 'attempt')
      throw apiError('bad_request', `events: "${part.slice(0, 32)}" is not an event kind (ingest, attempt)`);
    out.add(part);
  }
  return out;
}

/**
 * `GET /stream`: Server-Sent Events of ingest decisions and attempt outcomes
 * as they happen (docs/api.md), filtered by `app`, `source`, `endpoint` and
 * `events`, and thinned to `maxPerSecond` with the rest counted in `skipped`
 * frames (what the console asks for). A client that stops reading is dropped once a megabyte or
 * `liveClientBufferEvents` events wait for it: nothing is buffered without
 * bound, and ingest never waits for a browser.
 */
export async function streamRoutes(app: FastifyInstance, opts: { store: Store; live: LiveBus }): Promise<void> {
  // A stream never ends by itself: on shutdown each is closed, so the server's close does not wait for browsers.
  const open = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const close of [...open]) close();
  });
  app.get<{ Querystring: StreamQuery }>(
    '/stream',
    {
      attachValidation: true,
      schema: {
        querystring: {
          type: 'object',
          properties: {
            app: { type: 'string', maxLength: 256 },
            source: { type: 'string', maxLength: 64 },
            endpoint: { type: 'string', maxLength: 256 },
            events: { type: 'string', maxLength: 64 },
            maxPerSecond: { type: 'integer', minimum: 1, maximum: 100_000 },
          },
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      rejectBadQuery(req);
      const q = req.query;
      const filter: LiveFilter = {};
      const types = parseEventTypes(q.events);
      if (types) filter.types = types;
      if (q.source !== undefined) filter.source = q.source;
      if (q.app !== undefined) {
        const found = await opts.store.getApplication(q.app);
        if (!found) throw apiError('bad_request', `app: no application "${q.app}"`);
        filter.app = found.id;
      }
      if (q.endpoint !== undefined) {
        // An endpoint id is unique across applications; a uid needs its application.
        const endpoint = filter.app !== undefined ? await opts.store.getEndpoint(filter.app, q.endpoint) : null;
        filter.endpoint = endpoint?.id ?? q.endpoint;
      }

      const res = reply.raw;
      reply.hijack();
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        // Written on the raw socket (hijacked), so the API's header hook never runs: the same headers here.
        'cache-control': 'no-store, no-transform',
        'x-content-type-options': 'nosniff',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 2000\n: connected\n\n');
      const feed = new LiveFeed(res, filter, q.maxPerSecond, {
        maxUnsentBytes: MAX_UNSENT_BYTES,
        maxWaitingEvents: defaults.liveClientBufferEvents,
        flushMs: FLUSH_MS,
      });
      let closed = false;
      opts.live.watchers++;
      const close = (): void => {
        if (closed) return;
        closed = true;
        opts.live.watchers--;
        open.delete(close);
        unsubscribe();
        clearInterval(heartbeat);
        feed.close();
        res.end();
      };
      const unsubscribe = opts.live.subscribe((event) => {
        if (feed.offer(event) !== 'too-slow') return;
        req.log.warn?.({ url: req.url }, 'stream: client too slow; dropped');
        res.destroy();
        close();
      });
      res.on('drain', () => feed.drained());
      const heartbeat = setInterval(() => {
        if (!closed) res.write(': ping\n\n');
      }, HEARTBEAT_MS);
      heartbeat.unref();
      open.add(close);
      res.on('close', close);
      req.raw.on('close', close);
    },
  );
}
