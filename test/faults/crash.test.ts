import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { tempDir } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import {
  crashBody as body,
  ENDPOINT_SECRET,
  FULL,
  faultConfig,
  sha256 as sha,
  postSigned,
  startChildGateway,
  waitForBodies,
} from './child-gateway.ts';

const KILLS = FULL ? 10 : 5;
const SENDERS = FULL ? 12 : 6;
const MAX_REQUESTS_PER_ROUND = FULL ? 20_000 : 4_000;

let receiver: Receiver;
let tmp: ReturnType<typeof tempDir>;
before(async () => {
  receiver = await new Receiver().start();
  tmp = tempDir('sluice-crash-');
});
after(async () => {
  await receiver.stop();
  tmp.remove();
});

test(`SIGKILL under load, ${KILLS} times: every acknowledged message is delivered, byte for byte`, {
  timeout: FULL ? 600_000 : 150_000,
}, async (t) => {
  const config = faultConfig(tmp.dir, receiver.url, { endpoint: 'retry: [1s, 1s, 2s, 5s], timeout: 5s' });
  const sent = new Set<string>();
  const acked = new Map<string, string>(); // hash → webhook-id
  let counter = 0;

  for (let round = 1; round <= KILLS; round++) {
    const gateway = await startChildGateway(config);
    let running = true;
    let roundAcks = 0;
    const senders = Array.from({ length: SENDERS }, async () => {
      for (let i = 0; running && i < MAX_REQUESTS_PER_ROUND / SENDERS; i++) {
        const id = `crash_${round}_${counter++}`;
        const payload = body(counter);
        sent.add(sha(payload));
        try {
          const status = await postSigned(gateway.url, id, payload);
          if (status === 200) {
            acked.set(sha(payload), id);
            roundAcks++;
          } else {
            assert.ok(status === 503, `round ${round}: unexpected status ${status} for ${id}`);
          }
        } catch {
          // The connection died with the process: not acknowledged, so no promise was made.
          if (!gateway.child.running) return;
        }
      }
    });
    // A random moment: any point of a group commit, a delivery or an attempt record may be cut.
    await new Promise((r) => setTimeout(r, 300 + Math.random() * (FULL ? 3000 : 1200)));
    await gateway.child.kill();
    running = false;
    await Promise.all(senders);
    assert.ok(roundAcks > 0, `round ${round}: no request was acknowledged before the kill`);
  }

  const gateway = await startChildGateway(config);
  try {
    const received = await waitForBodies(receiver, acked.keys(), 90_000);

    const verifier = new Webhook(ENDPOINT_SECRET);
    for (const r of receiver.requests) {
      assert.ok(sent.has(sha(r.body)), `a delivered body matches nothing that was sent: ${r.body.subarray(0, 120).toString('utf8')}`);
      assert.doesNotThrow(() => verifier.verify(r.body, r.headers as Record<string, string>, { jsonParse: false }), 'delivery signature');
    }
    t.diagnostic(
      `${sent.size} sent, ${acked.size} acknowledged, ${receiver.requests.length} deliveries received (${received.size} distinct bodies)`,
    );
    const missing = [...acked.entries()].filter(([h]) => !received.has(h)).map(([, id]) => id);
    assert.deepEqual(missing, []);
  } finally {
    await gateway.child.stop();
  }
});
