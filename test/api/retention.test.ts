import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';

const HOUR = 3_600_000;

describe('storage.retention on a running gateway', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const receiver = new Receiver();
  before(async () => {
    await receiver.start();
    gw = await startTestGateway(`
storage:
  retention: 2h
applications:
  shop:
    endpoints:
      - { id: live, url: "${receiver.url}", filterTypes: ["order.*"] }
      - { id: down, url: "http://127.0.0.1:9/", filterTypes: ["parked.*"], retry: [1h] }
`);
  });
  after(async () => {
    await gw.stop();
    await receiver.stop();
  });

  const send = async (eventType: string): Promise<string> => {
    const res = await gw.api('/app/shop/msg', { method: 'POST', body: JSON.stringify({ eventType, payload: { at: Date.now() } }) });
    assert.equal(res.status, 202);
    return ((await res.json()) as { id: string }).id;
  };

  test('removes delivered messages once they are older than the retention, and keeps one still to deliver', async () => {
    const delivered = await send('order.paid');
    await eventually(() => (receiver.requests.length >= 1 ? true : undefined), 10_000);
    await eventually(async () => {
      const res = await gw.api(`/app/shop/attempt/msg/${delivered}`);
      return ((await res.json()) as { data: unknown[] }).data.length === 1 ? true : undefined;
    }, 10_000);
    // Nothing listens on port 9: the delivery waits an hour for its retry, and the message must outlive the retention.
    const parked = await send('parked.order');

    await gw.gateway.upkeep.pass(Date.now() + HOUR);
    assert.equal((await gw.api(`/app/shop/msg/${delivered}`)).status, 200, 'an hour old is within 2 h');

    await gw.gateway.upkeep.pass(Date.now() + 3 * HOUR);
    assert.equal((await gw.api(`/app/shop/msg/${delivered}`)).status, 404, 'three hours old is past it');
    assert.equal((await gw.api(`/app/shop/msg/${parked}`)).status, 200, 'kept: its delivery is still to make');
    assert.ok(gw.logs.lines.some((l) => l.includes('storage: removed data past retention')));
    assert.ok(gw.logs.lines.some((l) => l.includes('still to be made')));
  });
});
