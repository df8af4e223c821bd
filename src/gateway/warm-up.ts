import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { createAgent } from '../delivery/send.ts';
import { parseBody } from '../ingest/parse-body.ts';
import type { CompiledSource, IngestPipeline } from '../ingest/pipeline.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/store.ts';
import type { RoleParts } from './role.ts';

export interface WarmParts {
  app: FastifyInstance;
  store: Store;
  pipeline: IngestPipeline;
  sources: CompiledSource[];
  parts: RoleParts;
  /** Connections the store may open (`storage.poolSize`): the warm-up opens a few of them. */
  poolSize: number;
  log: Logger;
}

/** Pooled connections opened before listening: one per commit that may be in flight, and one for the reads beside them. */
const WARM_CONNECTIONS = 3;

/**
 * Does, before the port opens, the one-time work the first requests would
 * otherwise wait for, so the first second of traffic is not slower than the
 * rest. Nothing here is stored or counted and nothing is reachable from
 * outside: the routes are exercised with `inject` on paths that store nothing
 * (a method the route refuses), the store is only read, and undici's first
 * request goes to a throwaway server of this process, closed at once. The
 * schemas are compiled before this (the YAML's at load, the stored ones at
 * start). A step that fails is logged and skipped: warming never stops a start.
 */
export async function warmUp(w: WarmParts): Promise<void> {
  const started = performance.now();
  await step(w.log, 'routes', async () => {
    // Builds the routing tables, hooks and serializers that `listen` would build, then runs one request through them.
    await w.app.ready();
    await w.app.inject({ method: 'GET', url: '/healthz' });
    if (w.parts.ingest) for (const s of w.sources) await w.app.inject({ method: 'GET', url: `/in/${s.config.name}` });
  });
  await step(w.log, 'store', async () => {
    // On PostgreSQL each concurrent read takes its own pooled connection: opened now, not by the first commits.
    await Promise.all(Array.from({ length: Math.min(WARM_CONNECTIONS, w.poolSize) }, () => w.store.ping()));
    // The source transformation look-up every ingest makes (cached for a second), and the store's read path with it.
    if (w.parts.ingest) for (const s of w.sources) await w.pipeline.transforms.effective(s.config);
  });
  await step(w.log, 'ingest', async () => {
    const body = Buffer.from(JSON.stringify({ id: 'evt_warm', type: 'warm.up', data: { object: { amount: 1, items: [1, 'a'] } } }));
    parseBody(body, 'application/json', 128);
    // The first HMAC of a process looks the algorithm up in OpenSSL; every provider's check then starts warm.
    const key = randomBytes(32);
    const mac = createHmac('sha256', key).update(body).digest();
    timingSafeEqual(mac, createHmac('sha256', key).update(body).digest());
  });
  if (w.parts.worker) await step(w.log, 'undici', warmUndici);
  w.log.debug({ ms: Math.round(performance.now() - started) }, 'warm-up done');
}

async function step(log: Logger, name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    log.warn({ err, step: name }, 'warm-up: a step failed; the first requests pay for it instead');
  }
}

/**
 * undici compiles its HTTP parser and loads its connection code on the first
 * connection: one POST through an agent made like the deliverers' to a
 * loopback server made for it, so the first delivery does not pay for that.
 */
async function warmUndici(): Promise<void> {
  const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const agent = createAgent();
  try {
    const { port } = server.address() as AddressInfo;
    const res = await request(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}', dispatcher: agent, headersTimeout: 5_000 });
    await res.body.dump();
  } finally {
    await agent.close();
    await new Promise((resolve) => server.close(resolve));
  }
}
