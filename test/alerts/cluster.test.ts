import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { freshDatabase, postgresSkip, sql, startNodeWithRole, type Node } from '../scale/cluster.ts';
import { API_TOKEN, eventually, tempDir } from '../helpers/gateway.ts';
import { Receiver, type Received } from '../helpers/receiver.ts';

const skip = await postgresSkip();
const HOOK_SECRET = 'whsec_Y2x1c3Rlci1hbGVydC1zZWNyZXQtMDEyMzQ1Njc4OQ==';

const typeOf = (r: Received): string =>
  (
    new Webhook(HOOK_SECRET).verify(
      r.body.toString('utf8'),
      Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)])),
    ) as { type: string }
  ).type;

describe('alerts with two processes on PostgreSQL', { skip, timeout: 180_000 }, () => {
  const hook = new Receiver();
  const tmp = tempDir('sluice-alerts-');
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const nodes: Node[] = [];

  before(async () => {
    await hook.start();
    db = await freshDatabase();
    const file = join(tmp.dir, 'sluice.yaml');
    writeFileSync(
      file,
      [
        `apiToken: ${API_TOKEN}`,
        'allowPrivateNetworks: true',
        'server: { host: 127.0.0.1, port: 0 }',
        `dataDir: "${tmp.dir}"`,
        `storage: { url: "${db.url}", poolSize: 4 }`,
        'logLevel: info',
        'alerts:',
        '  evaluateInterval: 200ms',
        '  lease: 2s',
        '  retryInitial: 100ms',
        '  channels:',
        `    hook: { type: webhook, url: "${hook.url}", secret: "${HOOK_SECRET}" }`,
        '  rules:',
        '    - { name: off, kind: endpoint-disabled, clearAfter: 1, channels: [hook] }',
        'applications:',
        '  shop:',
        '    endpoints:',
        '      - { id: a, url: "http://127.0.0.1:9/a" }',
        '',
      ].join('\n'),
    );
    // One at a time: the second waits for the first's migrations anyway.
    nodes.push(await startNodeWithRole(file, 'all', 'sluice A'));
    nodes.push(await startNodeWithRole(file, 'all', 'sluice B'));
  });
  after(async () => {
    for (const n of nodes) await n.child.stop(5000);
    await hook.stop();
    await db?.drop();
    tmp.remove();
  });

  const patch = (node: Node, disabled: boolean) =>
    fetch(`${node.url}/api/v1/app/shop/endpoint/a`, {
      method: 'PATCH',
      body: JSON.stringify({ disabled }),
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
    });

  test('one notification per transition from two processes; a SIGKILL of the evaluating one hands over', async () => {
    const evaluates = /this process evaluates the rules/;
    await eventually(
      () => (nodes.some((n) => evaluates.test(n.child.stdout)) ? true : undefined),
      20_000,
      'one process to take the alerts lease',
    );
    assert.equal(nodes.filter((n) => evaluates.test(n.child.stdout)).length, 1, 'exactly one process evaluates');

    assert.equal((await patch(nodes[1]!, true)).status, 200);
    await hook.waitFor(1, 20_000);
    assert.equal(typeOf(hook.requests[0]!), 'alert.firing');
    // Both processes keep trying to evaluate for a while: still one notification.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(hook.requests.length, 1);

    const holder = nodes.find((n) => evaluates.test(n.child.stdout))!;
    const survivor = nodes.find((n) => n !== holder)!;
    await holder.child.kill();
    const [lease] = await sql(db.url, "SELECT owner FROM leases WHERE name = 'alerts'");
    assert.ok(lease, "the dead holder's lease is still there until it expires");

    assert.equal((await patch(survivor, false)).status, 200);
    await hook.waitFor(2, 30_000);
    assert.equal(typeOf(hook.requests[1]!), 'alert.resolved');
    assert.match(survivor.child.stdout, evaluates, 'the survivor took over');
    const [after] = await sql(db.url, "SELECT owner FROM leases WHERE name = 'alerts'");
    assert.notEqual(after?.owner, lease?.owner);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(hook.requests.length, 2, 'nothing sent twice');
    nodes.splice(nodes.indexOf(holder), 1);
  });
});
