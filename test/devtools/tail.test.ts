import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningSluice } from '../../bench/lib/sluice.ts';
import { API_TOKEN, tempDir } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { STD_SECRET, stdHeaders } from '../helpers/signing.ts';
import { freePort, startCliChild, startGatewayChild, waitForCount, writeGatewayConfig, runCli } from './harness.ts';

describe('sluice tail: the live stream of a running gateway', () => {
  const tmp = tempDir();
  const receiver = new Receiver(() => ({ status: 202 }));
  let gateway: RunningSluice;
  let configFile: string;

  const send = async (type: string): Promise<string> => {
    const body = JSON.stringify({ type, data: { id: 'x' } });
    const res = await fetch(`${gateway.url}/in/std`, { method: 'POST', headers: stdHeaders(body), body });
    return ((await res.json()) as { id: string }).id;
  };

  before(async () => {
    await receiver.start();
    configFile = writeGatewayConfig(
      tmp.dir,
      await freePort(),
      `applications:
  shop:
    endpoints:
      - { id: orders, url: "${receiver.url}" }
sources:
  std: { provider: standard-webhooks, secret: "${STD_SECRET}", application: shop }
`,
    );
    gateway = await startGatewayChild(configFile);
  });
  after(async () => {
    await gateway?.child.stop();
    await receiver.stop();
    tmp.remove();
  });

  it('prints ingest decisions and attempt outcomes, as lines and as JSON, filtered by event type, and reconnects to a restarted gateway', async () => {
    const human = startCliChild(['tail', '--server', gateway.url, '--color', 'never', '--events', 'order.paid']);
    const json = startCliChild(['tail', '--server', gateway.url, '--format', 'json', '--app', 'shop']);
    try {
      await human.waitFor(/Tailing http/, 90_000);
      await json.waitFor(/Tailing http/, 90_000);
      await send('order.created');
      const paid = await send('order.paid');
      await waitForCount(json, /"type":"attempt"/, 2);
      const events = json.stdout
        .trim()
        .split('\n')
        .map(
          (l) => JSON.parse(l) as { type: string; msgId: string; decision?: string; status?: number; outcome?: string; source?: string },
        );
      const forPaid = events.filter((e) => e.msgId === paid);
      assert.deepEqual(
        forPaid.map((e) => e.type),
        ['ingest', 'attempt'],
      );
      assert.equal(forPaid[0]?.decision, 'accepted');
      assert.equal(forPaid[0]?.source, 'std');
      assert.deepEqual([forPaid[1]?.status, forPaid[1]?.outcome], [202, 'succeeded']);
      await waitForCount(human, /attempt {2}\[202\]/, 1);
      assert.match(
        human.stdout,
        new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d {2}ingest {3}std {2}order\\.paid {2}accepted \\[${paid}\\]$`, 'm'),
      );
      assert.match(
        human.stdout,
        new RegExp(
          `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d {2}attempt {2}\\[202\\] ep_\\w+ {2}order\\.paid {2}succeeded \\(\\d+ ms\\) \\[${paid}\\]$`,
          'm',
        ),
      );
      assert.doesNotMatch(human.stdout, /order\.created/, '--events keeps only order.paid');

      await gateway.child.stop();
      await human.waitFor(/connection lost.*, reconnecting in \d+ s …/, 60_000);
      gateway = await startGatewayChild(configFile);
      await human.waitFor(/reconnected/, 90_000);
      const later = await send('order.paid');
      await waitForCount(human, new RegExp(`ingest .*\\[${later}\\]`), 1, 20_000);
    } finally {
      await human.kill();
      await json.kill();
    }
  });

  it('a wrong token is a failure, not an endless retry; a usage error exits 2', async () => {
    const wrong = await runCli(['tail', '--server', gateway.url, '--token', 'wrong-token-0000000']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /401/);
    assert.equal((await runCli(['tail', '--server', gateway.url, '--token', API_TOKEN, '--format', 'xml'])).code, 2);
  });
});
