import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defaults } from '../../src/config/defaults.ts';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver, type Received } from '../helpers/receiver.ts';
import { FULL, SOURCE_SECRET, listAll, signedHeaders } from './child-gateway.ts';

const MESSAGES = FULL ? 40 : 10;
const RETRY_MS = 1000;
const RETRY_AFTER_S = 2;
const TIMEOUT_MS = 400;
const SCHEDULE = Array.from({ length: 25 }, () => `${RETRY_MS / 1000}s`);
/** How long the endpoint refuses connections before it comes up at the same address. */
const REFUSED_MS = FULL ? 5000 : 2500;

interface AttemptOut {
  timestamp: string;
  responseStatusCode: number;
  status: number;
  error: string | null;
}

type Phase = 'refused' | 'unavailable' | 'hanging' | 'recovered';

let receiver: Receiver;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let port = 0;

before(async () => {
  receiver = await new Receiver().start();
  port = Number(new URL(receiver.url).port);
  await receiver.stop();
  gateway = await startTestGateway(
    [
      // The circuit breaker would hold attempts back after ten failures: this test is about the retry schedule alone.
      'delivery: { breaker: { failures: 1000000, minAttempts: 1000000 } }',
      'applications:',
      '  app:',
      '    endpoints:',
      `      - { id: ep, url: "${receiver.url}", retry: [${SCHEDULE.join(', ')}], timeout: ${TIMEOUT_MS}ms }`,
      'sources:',
      `  std: { provider: standard-webhooks, secrets: ["${SOURCE_SECRET}"], application: app }`,
    ].join('\n'),
    { logLevel: 'warn' },
  );
});
after(async () => {
  await gateway.stop();
  await receiver.stop();
});

test('endpoint refuses, then 503 + Retry-After, then hangs past the timeout, then recovers: all delivered, attempts spaced by the schedule', {
  timeout: FULL ? 300_000 : 120_000,
}, async (t) => {
  const ids: string[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const body = JSON.stringify({ type: 'outage.test', i });
    const res = await fetch(`${gateway.url}/in/std`, { method: 'POST', headers: signedHeaders(`outage_${i}`, body), body });
    assert.equal(res.status, 200);
    ids.push(((await res.json()) as { id: string }).id);
  }

  // Each phase lasts until every message has met it at least once, so every
  // delivery's history shows all four behaviours whatever the machine's speed.
  let phase: Phase = 'refused';
  const met = { unavailable: new Set<string>(), hanging: new Set<string>() };
  const switched: Partial<Record<Phase, number>> = {};
  const started = Date.now();
  const advance = (next: Phase): void => {
    phase = next;
    switched[next] = Date.now() - started;
  };
  receiver.respond((req: Received) => {
    const id = String(req.headers['webhook-id']);
    if (phase === 'unavailable') {
      met.unavailable.add(id);
      if (met.unavailable.size === MESSAGES) advance('hanging');
      return { status: 503, headers: { 'retry-after': String(RETRY_AFTER_S) }, body: 'down for maintenance' };
    }
    if (phase === 'hanging') {
      met.hanging.add(id);
      if (met.hanging.size === MESSAGES) setTimeout(() => advance('recovered'), TIMEOUT_MS * 2);
      return { status: 200, delayMs: TIMEOUT_MS * 3 };
    }
    return { status: 200 };
  });
  await new Promise((r) => setTimeout(r, REFUSED_MS));
  advance('unavailable');
  await receiver.start(port);

  const delivered = await eventually(
    async () => {
      const states = await Promise.all(
        ids.map(async (id) => {
          const res = await gateway.api(`/app/app/msg/${id}/endpoint`);
          return ((await res.json()) as { data: Array<{ state: string }> }).data[0]?.state;
        }),
      );
      return states.every((s) => s === 'succeeded') ? states : undefined;
    },
    FULL ? 240_000 : 90_000,
    'every delivery to succeed',
  );
  assert.equal(delivered.length, MESSAGES);

  const jitter = defaults.retryJitter;
  for (const id of ids) {
    const attempts = (await listAll<AttemptOut>(gateway.url, `/app/app/attempt/msg/${id}`)).sort(
      (a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp),
    );
    const kinds = attempts.map((a) =>
      a.error === 'connection refused'
        ? 'refused'
        : a.responseStatusCode === 503
          ? 'unavailable'
          : a.error?.startsWith('timed out')
            ? 'hanging'
            : a.status === 0
              ? 'ok'
              : `other:${a.responseStatusCode}:${a.error}`,
    );
    assert.equal(kinds[0], 'refused', `${id}: the first attempt met a closed port`);
    for (const kind of ['unavailable', 'hanging']) assert.ok(kinds.includes(kind), `${id}: ${kinds.join(',')} has no ${kind}`);
    assert.equal(kinds.at(-1), 'ok', `${id}: ends delivered`);
    assert.equal(kinds.filter((k) => k === 'ok').length, 1, `${id}: delivered once`);
    assert.deepEqual(
      kinds.filter((k) => k.startsWith('other')),
      [],
    );
    for (let k = 1; k < attempts.length; k++) {
      const gap = Date.parse((attempts[k] as AttemptOut).timestamp) - Date.parse((attempts[k - 1] as AttemptOut).timestamp);
      const prev = kinds[k - 1];
      // The next attempt is never due before the schedule's delay (less jitter), nor before Retry-After.
      const floor = prev === 'unavailable' ? RETRY_AFTER_S * 1000 : RETRY_MS * (1 - jitter);
      assert.ok(gap >= floor - 1, `${id}: attempt ${k + 1} came ${gap} ms after a "${prev}" attempt; the floor is ${floor} ms`);
    }
  }
  t.diagnostic(`phases began at (ms) ${JSON.stringify(switched)}; ${receiver.requests.length} requests reached the endpoint`);
});
