import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempDir } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { crashBody, FULL, faultConfig, sha256, postSigned, startChildGateway, waitForBodies } from './child-gateway.ts';

const ROUNDS = FULL ? 8 : 3;
const SENDERS = 16;
/** Acknowledgements a round waits for before it kills: group commits are running back to back on the store thread by then. */
const ACKS_BEFORE_KILL = FULL ? 400 : 150;
const MAX_REQUESTS_PER_ROUND = 20_000;

let receiver: Receiver;
let tmp: ReturnType<typeof tempDir>;
before(async () => {
  receiver = await new Receiver().start();
  tmp = tempDir('sluice-commit-kill-');
});
after(async () => {
  await receiver.stop();
  tmp.remove();
});

test(`SIGKILL while the SQLite store thread commits, ${ROUNDS} times: nothing acknowledged is lost`, {
  timeout: FULL ? 600_000 : 180_000,
}, async (t) => {
  const config = faultConfig(tmp.dir, receiver.url, { endpoint: 'retry: [1s, 1s, 2s, 5s], timeout: 5s' });
  const acked = new Map<string, string>(); // hash → webhook-id
  let counter = 0;
  let waitingAtKills = 0;

  for (let round = 1; round <= ROUNDS; round++) {
    const gateway = await startChildGateway(config);
    let running = true;
    let roundAcks = 0;
    // Requests sent and not answered: each is in a batch the store thread has, or will have.
    let waiting = 0;
    let enough: () => void = () => undefined;
    const loaded = new Promise<void>((resolve) => {
      enough = resolve;
    });
    const senders = Array.from({ length: SENDERS }, async () => {
      for (let i = 0; running && i < MAX_REQUESTS_PER_ROUND / SENDERS; i++) {
        const id = `commit_${round}_${counter++}`;
        const payload = crashBody(counter);
        waiting++;
        try {
          const status = await postSigned(gateway.url, id, payload);
          if (status === 200) {
            acked.set(sha256(payload), id);
            if (++roundAcks >= ACKS_BEFORE_KILL) enough();
          } else {
            assert.equal(status, 503, `round ${round}: unexpected status for ${id}`);
          }
        } catch {
          // The connection died with the process: not acknowledged, so no promise was made.
          if (!gateway.child.running) return;
        } finally {
          waiting--;
        }
      }
      enough();
    });
    await Promise.race([loaded, new Promise((r) => setTimeout(r, 30_000))]);
    // A random moment within a few commits' time, while every sender has a request in.
    await new Promise((r) => setTimeout(r, Math.random() * 40));
    const waitingNow = waiting;
    await gateway.child.kill();
    running = false;
    await Promise.all(senders);
    waitingAtKills += waitingNow;
    t.diagnostic(`round ${round}: killed after ${roundAcks} acknowledgements, ${waitingNow} requests waiting for their commit`);
    assert.ok(roundAcks > 0, `round ${round}: no request was acknowledged before the kill`);
  }
  assert.ok(waitingAtKills > 0, 'the kills landed while requests were waiting for a commit');

  const gateway = await startChildGateway(config);
  try {
    const received = await waitForBodies(receiver, acked.keys(), 90_000);
    const missing = [...acked.entries()].filter(([h]) => !received.has(h)).map(([, id]) => id);
    assert.deepEqual(missing, []);
    t.diagnostic(`${acked.size} acknowledged, ${received.size} distinct bodies delivered`);
  } finally {
    await gateway.child.stop();
  }
});
