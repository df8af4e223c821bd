import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sign } from '@octokit/webhooks-methods';
import { assertRejected, assertStored, startHarness, type Harness } from './harness.ts';

const SECRET = 'gh-secret-It8s';
const body = JSON.stringify({ action: 'opened', issue: { node_id: 'I_kwDO42', number: 7 }, repository: { node_id: 'R_1' } });
const headers = (signature: string, event = 'issues', delivery = '72d3162e-cc78-11e3-81ab-4c9367dc0958'): Record<string, string> => ({
  'content-type': 'application/json',
  'x-github-event': event,
  'x-github-delivery': delivery,
  'x-hub-signature-256': signature,
});

describe('github through the gateway', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      gh: { provider: 'github', secrets: ['rotated-out', SECRET] },
      ghe: { provider: 'github', secret: SECRET, allowSha1: true },
    });
  });
  after(() => h.stop());

  it('accepts @octokit/webhooks-methods signatures and extracts delivery id, event.action, subject', async () => {
    const sent = await h.post('gh', body, headers(await sign(SECRET, body)));
    await assertStored(h, sent, { eventId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', eventType: 'issues.opened', orderingKey: 'I_kwDO42', sequence: null });
  });

  it('answers ping with 200 without storing it', async () => {
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const sent = await h.post('gh', ping, headers(await sign(SECRET, ping), 'ping', 'd-ping'));
    assert.equal(sent.status, 200);
    assert.deepEqual(sent.json, { ok: true, event: 'ping' });
  });

  it('rejects tampered bodies, wrong secrets and SHA-1 unless allowed', async () => {
    const good = await sign(SECRET, body);
    assertRejected(await h.post('gh', body.replace('opened', 'closed'), headers(good)), /no signature/);
    assertRejected(await h.post('gh', body, headers(await sign('nope', body))));
    const sha1 = `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`;
    const legacy = { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': 'd-sha1', 'x-hub-signature': sha1 };
    assertRejected(await h.post('gh', body, legacy), /allowSha1/);
    await assertStored(h, await h.post('ghe', body, legacy), { eventId: 'd-sha1' });
  });
});
