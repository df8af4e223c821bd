import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { startSluice } from '../../bench/lib/sluice.ts';
import { runCli } from '../helpers/cli.ts';
import { API_TOKEN, eventually, tempDir } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { STD_SECRET } from '../helpers/signing.ts';

const tmp = tempDir();
after(() => tmp.remove());

test('SIGTERM: stops accepting, gives back the lease of a slow delivery, exits 0; the next process delivers it', async () => {
  const receiver = await new Receiver((_r, n) => (n === 1 ? { status: 200, delayMs: 15_000 } : { status: 200 })).start();
  const file = join(tmp.dir, 'lifecycle.yaml');
  writeFileSync(
    file,
    `apiToken: ${API_TOKEN}
allowPrivateNetworks: true
server: { host: 127.0.0.1, port: 0 }
dataDir: "${tmp.dir}"
logLevel: info
delivery: { shutdownGrace: 300ms }
applications:
  app:
    endpoints: [{ id: slow, url: "${receiver.url}", timeout: 20s }]
sources:
  std: { provider: standard-webhooks, secret: ${STD_SECRET}, application: app }
`,
  );
  try {
    const first = await startSluice(file, { name: 'sluice (lifecycle 1)' });
    const body = '{"type":"slow.thing"}';
    const at = new Date();
    const res = await fetch(`${first.url}/in/std`, {
      method: 'POST',
      body,
      headers: {
        'webhook-id': 'evt_slow',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(STD_SECRET).sign('evt_slow', at, body),
      },
    });
    assert.equal(res.status, 200);
    const { id } = (await res.json()) as { id: string };
    await receiver.waitFor(1);

    first.child.proc.kill('SIGTERM');
    assert.equal(await first.child.wait(), 0, first.child.stderr);

    const again = await startSluice(file, { name: 'sluice (lifecycle 2)' });
    try {
      await receiver.waitFor(2).catch((err: Error) => {
        throw new Error(`${err.message}\n${first.child.stdout}\n${again.child.stdout}`, { cause: err });
      });
      const attempts = await eventually(async () => {
        const r = await fetch(`${again.url}/api/v1/app/app/attempt/msg/${id}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
        const list = ((await r.json()) as { data: Array<{ responseStatusCode: number }> }).data;
        return list.length > 0 ? list : undefined;
      });
      // The interrupted attempt was not the receiver's fault: it is not recorded.
      assert.deepEqual(
        attempts.map((a) => a.responseStatusCode),
        [200],
      );
      assert.equal(receiver.requests[1]?.headers['webhook-id'], id);

      // A second gateway on the same data directory is refused, loudly.
      const second = await runCli(['serve', '--config', file]);
      assert.equal(second.code, 1);
      assert.match(second.stderr, /in use by another Sluice process/);
    } finally {
      assert.equal(await again.child.stop(), 0);
    }
  } finally {
    await receiver.stop();
  }
});
