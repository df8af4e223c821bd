import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { MiB, procMemory } from '../../bench/lib/proc-status.ts';
import type { RunningSluice } from '../../bench/lib/sluice.ts';
import { tempDir } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { FULL, faultConfig, listAll, startChildGateway } from './child-gateway.ts';
import { BODY_LIMIT, CaseFactory, prng, type HostileCase } from './hostile-cases.ts';
import { rawRequest, type RawAnswer } from './raw-http.ts';

const TOTAL = FULL ? 40_000 : 10_000;
const PARALLEL = 24;
const SLOWLORIS = FULL ? 200 : 60;
const WARMUP = 300;
/** RSS may grow this much over the run (caches, JIT, SQLite pages); unbounded growth would blow through it. */
const RSS_GROWTH_LIMIT = 150 * MiB;
/**
 * The gateway runs with a bounded JavaScript heap, as in a container. Left to itself, Node 24's V8 sizes the heap
 * by the machine's memory and lets it climb about 150 MiB under this load before collecting (Node 20 stays near
 * 20 MiB), which says nothing about leaks; with a bound, a heap leak ends in an out-of-memory crash the test sees.
 */
const HEAP_LIMIT_MIB = 128;
const seed = Number(process.env.FAULTS_SEED ?? Math.floor(Math.random() * 2 ** 31));

let receiver: Receiver;
let tmp: ReturnType<typeof tempDir>;
let gateway: RunningSluice;
let port = 0;

before(async () => {
  receiver = await new Receiver().start();
  tmp = tempDir('sluice-hostile-');
  gateway = await startChildGateway(faultConfig(tmp.dir, receiver.url, { top: `ingest: { maxBodySize: ${BODY_LIMIT} }` }), [
    `--max-old-space-size=${HEAP_LIMIT_MIB}`,
  ]);
  port = Number(new URL(gateway.url).port);
});
after(async () => {
  await gateway.child.stop();
  await receiver.stop();
  tmp.remove();
});

/** Why `answer` is wrong for `c`, or undefined when it is right. */
function problem(c: HostileCase, answer: RawAnswer): string | undefined {
  const { status } = answer;
  if (status === null) return c.mayReset ? undefined : `no response (${answer.error})`;
  if (status >= 500) return `server error ${status}: ${answer.body.toString('utf8').slice(0, 200)}`;
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  if (c.expect === 'reject') {
    if (status < 400) return `accepted (${status}) what must be refused`;
    if (!answer.headers['content-type']?.includes('application/json') || typeof json?.error !== 'string') {
      return `${status} without a JSON error: ${answer.headers['content-type']} ${answer.body.toString('utf8').slice(0, 120)}`;
    }
    return undefined;
  }
  if (status < 200 || status >= 300) return `refused (${status}) a valid request: ${answer.body.toString('utf8').slice(0, 200)}`;
  if (c.expect === 'duplicate' && json?.duplicate !== true)
    return `a replay was not reported as a duplicate: ${answer.body.toString('utf8')}`;
  return undefined;
}

/** Connections that send a header line now and then and never finish their request. */
function slowloris(count: number): { sockets: Socket[]; answers: Buffer[]; stop: () => void } {
  const sockets: Socket[] = [];
  const answers: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const s = connect(port, '127.0.0.1', () => s.write('POST /in/std HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
    s.on('data', (d: Buffer) => answers.push(d));
    s.on('error', () => undefined);
    sockets.push(s);
  }
  const timer = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write(`X-Slow-${Math.floor(Math.random() * 1e6)}: 1\r\n`);
  }, 1000);
  return {
    sockets,
    answers,
    stop: () => {
      clearInterval(timer);
      for (const s of sockets) s.destroy();
    },
  };
}

test(`${TOTAL} hostile requests: no crash, no accepted forgery, bounded memory, every answer 2xx where valid or 4xx JSON`, {
  timeout: FULL ? 900_000 : 150_000,
}, async (t) => {
  t.diagnostic(`seed ${seed} (FAULTS_SEED=${seed} repeats this run)`);
  const factory = new CaseFactory(prng(seed), String(seed));
  const signedIds = new Set<string>();
  const forgedIds = new Set<string>();
  const failures: string[] = [];
  const byKind = new Map<string, Record<string, number>>();

  const run = async (c: HostileCase): Promise<void> => {
    const answer = await rawRequest(port, { timeoutMs: 30_000, ...c.request });
    const why = problem(c, answer);
    if (why && failures.length < 20) failures.push(`${c.kind}: ${why}`);
    if (c.id) (c.forged ? forgedIds : signedIds).add(c.id);
    if (c.kind === 'valid' && answer.status === 200 && factory.sentValid.length < 2000) factory.sentValid.push(c.request);
    const tally = byKind.get(c.kind) ?? {};
    const key = String(answer.status ?? answer.error);
    tally[key] = (tally[key] ?? 0) + 1;
    byKind.set(c.kind, tally);
  };

  for (let i = 0; i < WARMUP; i++) await run(factory.valid());
  const before = procMemory(gateway.child.pid);
  assert.ok(before, 'the gateway process is running');

  const samples: number[] = [];
  const loris = slowloris(SLOWLORIS);
  let sent = WARMUP;
  const deadline = Date.now() + (FULL ? 600_000 : 120_000);
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (sent < TOTAL && Date.now() < deadline) {
        sent++;
        if (sent % 1000 === 0) samples.push(procMemory(gateway.child.pid)?.rss ?? 0);
        await run(factory.next());
      }
    }),
  );
  assert.equal(sent, TOTAL, 'every request was sent before the deadline');
  assert.ok(gateway.child.running, `the gateway is still running:\n${gateway.child.stderr.slice(-2000)}`);
  const health = await fetch(`${gateway.url}/healthz`);
  assert.equal(health.status, 200);

  if (FULL) {
    // The server must shed connections that never finish their headers (request timeout), not keep them forever.
    const shedBy = Date.now() + 90_000;
    while (loris.sockets.some((s) => !s.destroyed && !s.readableEnded) && Date.now() < shedBy) await new Promise((r) => setTimeout(r, 500));
    assert.ok(
      loris.sockets.every((s) => s.destroyed || s.readableEnded),
      'slow connections were closed by the server',
    );
    const text = Buffer.concat(loris.answers).toString('latin1');
    for (const status of text.match(/^HTTP\/1\.1 (\d{3})/gm) ?? []) assert.match(status, / 4\d\d$/, 'a slow connection got a 4xx');
  }
  loris.stop();

  const after = procMemory(gateway.child.pid);
  assert.ok(after, 'the gateway process is running');
  t.diagnostic(
    `RSS ${Math.round(before.rss / MiB)} MiB before, ${Math.round(after.rss / MiB)} MiB after, peak ${Math.round(after.peakRss / MiB)} MiB`,
  );
  t.diagnostic(`RSS every 1000 requests (MiB): ${samples.map((b) => Math.round(b / MiB)).join(' ')}`);
  for (const [kind, tally] of [...byKind.entries()].sort()) t.diagnostic(`${kind}: ${JSON.stringify(tally)}`);
  assert.deepEqual(failures, []);
  assert.ok(after.rss - before.rss < RSS_GROWTH_LIMIT, `RSS grew by ${Math.round((after.rss - before.rss) / MiB)} MiB`);

  const stored = await listAll<{ eventId: string | null }>(gateway.url, '/app/app/msg?withContent=false');
  const storedIds = new Set(stored.map((m) => m.eventId));
  const forgedStored = [...forgedIds].filter((id) => storedIds.has(id));
  assert.deepEqual(forgedStored, [], 'no forged, expired, oversized or malformed-header request was stored');
  const unknown = [...storedIds].filter((id) => id === null || !signedIds.has(id));
  assert.deepEqual(unknown, [], 'everything stored was sent signed');
  assert.equal(stored.length, signedIds.size, 'every validly signed request was stored once');
});
