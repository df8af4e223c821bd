import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('warm-up before listening', () => {
  it('leaves nothing behind: no message, no rejected request, no count, no attempt', async () => {
    const receiver = await new Receiver().start();
    const gw = await startTestGateway(
      `applications:\n  shop:\n    endpoints:\n      - { id: main, url: "${receiver.url}" }\n` +
        `sources:\n  hooks: { provider: standard-webhooks, secrets: ["${SECRET}"], application: shop }\n`,
    );
    try {
      await gw.gateway.flushCounters();
      const { store } = gw.gateway;
      assert.equal((await store.searchMessages({ limit: 10 })).data.length, 0, 'no message stored');
      assert.equal((await store.listRejections({ limit: 10 })).data.length, 0, 'no rejected request kept');
      assert.deepEqual(await store.rejectionCounts(0), []);
      const flow = await store.flowTotals(0);
      assert.equal(flow.received, 0, 'nothing counted in the console');
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      assert.doesNotMatch(metrics, /^sluice_ingest_(received|rejected|verified)_total\{/m, 'no ingest counted');
      assert.doesNotMatch(metrics, /^sluice_delivery_attempts_total\{/m, 'no delivery attempted');
      assert.equal(receiver.requests.length, 0, 'the endpoint heard nothing');
      // And the routes the warm-up went through answer as ever.
      const refused = await fetch(`${gw.url}/in/hooks`);
      assert.equal(refused.status, 405);
    } finally {
      await gw.stop();
      await receiver.stop();
    }
  });
});
