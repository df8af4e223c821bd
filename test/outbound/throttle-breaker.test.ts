import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('throttleRate holds the endpoint to its rate, and a throttled delivery spends no attempt', async () => {
  const receiver = await new Receiver().start();
  const gw = await startTestGateway('delivery: { pollInterval: 1s }\n', { logLevel: 'silent' });
  try {
    assert.equal((await gw.api('/app', { method: 'POST', body: JSON.stringify({ name: 'T', uid: 't', throttleRate: 10 }) })).status, 201);
    assert.equal(
      (await gw.api('/app/t/endpoint', { method: 'POST', body: JSON.stringify({ url: receiver.url, uid: 'slow' }) })).status,
      201,
    );
    const n = 15;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        gw.api('/app/t/msg', { method: 'POST', body: JSON.stringify({ eventType: 'a.b', payload: { i } }) }),
      ),
    );
    await receiver.waitFor(n, 30_000);
    const times = receiver.requests.map((r) => r.at);
    const elapsed = (times[n - 1] as number) - (times[0] as number);
    const rate = ((n - 1) * 1000) / elapsed;
    // The application's 10/s applies (the endpoint sets none). Measured at the receiver, where a late first arrival
    // shortens the span a little, hence the margin; a burst (15 at once) would measure far above it.
    assert.ok(rate <= 10 * 1.25, `measured ${rate.toFixed(2)} messages/s`);
    // The last attempts are recorded just after their answer arrived.
    await eventually(async () =>
      (
        await gw.gateway.store.endpointStats(
          (await gw.gateway.store.getApplication('t'))!.id,
          (
            await gw.gateway.store.listEndpoints((await gw.gateway.store.getApplication('t'))!.id)
          )[0]!.id,
        )
      ).success === n
        ? true
        : undefined,
    );
    const attempts = (await (await gw.api('/app/t/attempt/endpoint/slow?limit=100')).json()) as { data: unknown[] };
    assert.equal(attempts.data.length, n, 'one attempt per message: throttled deliveries waited without spending one');
  } finally {
    await gw.stop();
    await receiver.stop();
  }
});

test('the circuit breaker opens after consecutive failures, probes once after the cool-down, and closes on success', async () => {
  const receiver = await new Receiver(() => ({ status: 500 })).start();
  const gw = await startTestGateway(
    `
delivery:
  retry: [100ms, 100ms, 100ms, 100ms, 100ms, 100ms, 100ms, 100ms, 100ms, 100ms]
  pollInterval: 50ms
  breaker: { failures: 3, cooldown: 1500ms }
outbound:
  operationalWebhooks: []
applications:
  shop:
    endpoints:
      - { id: flaky, url: "${receiver.url}", concurrency: 1 }
`,
    { logLevel: 'silent' },
  );
  try {
    for (let i = 0; i < 4; i++) {
      const res = await gw.api('/app/shop/msg', { method: 'POST', body: JSON.stringify({ eventType: 'a.b', payload: { i } }) });
      assert.equal(res.status, 202);
    }
    await receiver.waitFor(3);
    // Open: retries fall due every 100 ms, yet nothing is sent until the cool-down ends.
    await pause(700);
    assert.equal(receiver.requests.length, 3, 'no attempt while the breaker is open');
    await receiver.waitFor(4, 5000);
    await pause(700);
    assert.equal(receiver.requests.length, 4, 'a single probe, which failed and reopened the breaker');
    receiver.respond(() => ({ status: 200 }));
    const ep = await gw.gateway.store.getEndpoint((await gw.gateway.store.getApplication('shop'))!.id, 'flaky');
    await eventually(
      async () => ((await gw.gateway.store.endpointStats(ep!.appId, ep!.id)).success === 4 ? true : undefined),
      15_000,
      'all delivered',
    );
    assert.equal(receiver.requests.length, 8, '4 failures, then each message once: nothing was burnt while open');
  } finally {
    await gw.stop();
    await receiver.stop();
  }
});
