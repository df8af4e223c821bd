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
    h = await startHarness(
      {
        gh: { provider: 'github', secrets: ['rotated-out', SECRET] },
        ghe: { provider: 'github', secret: SECRET, allowSha1: true },
      },
      {
        // Schemas see the decoded form payload as they see a JSON body.
        eventTypes: {
          'issues.opened': { schema: { type: 'object', required: ['action', 'issue'] } },
          'issues.closed': { schema: { type: 'object', required: ['never'] } },
        },
      },
    );
  });
  after(() => h.stop());

  it('accepts @octokit/webhooks-methods signatures and extracts delivery id, event.action, subject', async () => {
    const sent = await h.post('gh', body, headers(await sign(SECRET, body)));
    await assertStored(h, sent, {
      eventId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      eventType: 'issues.opened',
      orderingKey: 'R_1#7',
      sequence: null,
    });
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
    const legacy = {
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-github-delivery': 'd-sha1',
      'x-hub-signature': sha1,
    };
    assertRejected(await h.post('gh', body, legacy), /allowSha1/);
    await assertStored(h, await h.post('ghe', body, legacy), { eventId: 'd-sha1' });
  });

  it("reads a form-encoded body (GitHub's default, payload=<json>) exactly as JSON, stored byte-exact", async () => {
    const form = `payload=${encodeURIComponent(body)}`;
    const sent = await h.post('gh', form, {
      ...headers(await sign(SECRET, form), 'issues', 'd-form-1'),
      'content-type': 'application/x-www-form-urlencoded',
    });
    const stored = await assertStored(h, sent, { eventId: 'd-form-1', eventType: 'issues.opened', orderingKey: 'R_1#7' });
    assert.equal(stored.state, 'accepted');
    assert.equal(stored.payload?.toString('utf8'), form);
    const closed = `payload=${encodeURIComponent(body.replace('opened', 'closed'))}`;
    const invalid = await h.post('gh', closed, {
      ...headers(await sign(SECRET, closed), 'issues', 'd-form-2'),
      'content-type': 'application/x-www-form-urlencoded',
    });
    const quarantined = await h.message((invalid.json as { id: string }).id);
    assert.deepEqual(
      [quarantined.eventType, quarantined.state, quarantined.validationErrors?.[0]?.path],
      ['issues.closed', 'invalid', '/never'],
    );
    const broken = 'payload=%7Bnot-json';
    const bad = await h.post('gh', broken, {
      ...headers(await sign(SECRET, broken), 'issues', 'd-form-3'),
      'content-type': 'application/x-www-form-urlencoded',
    });
    assert.equal((await h.message((bad.json as { id: string }).id)).state, 'invalid');
  });

  it('orders comments and reviews with their issue or pull request, not the repository', async () => {
    const pr = { number: 12, node_id: 'PR_kw12' };
    const repository = { node_id: 'R_1' };
    const cases: Array<[string, unknown]> = [
      ['pull_request', { action: 'opened', number: 12, pull_request: pr, repository }],
      ['pull_request_review', { action: 'submitted', review: { id: 1 }, pull_request: pr, repository }],
      ['pull_request_review_comment', { action: 'created', comment: { id: 2 }, pull_request: pr, repository }],
      ['pull_request_review_thread', { action: 'resolved', thread: { node_id: 'T_1' }, pull_request: pr, repository }],
      // A comment on a pull request arrives as an issue comment: the issue is the pull request, same number.
      [
        'issue_comment',
        { action: 'created', comment: { id: 3 }, issue: { number: 12, node_id: 'I_kw12', pull_request: { url: 'x' } }, repository },
      ],
    ];
    for (const [i, [event, payload]] of cases.entries()) {
      const text = JSON.stringify(payload);
      const sent = await h.post('gh', text, headers(await sign(SECRET, text), event, `d-thread-${i}`));
      await assertStored(h, sent, { orderingKey: 'R_1#12' });
    }
    const release = JSON.stringify({ action: 'published', release: { node_id: 'RE_1' }, repository });
    await assertStored(h, await h.post('gh', release, headers(await sign(SECRET, release), 'release', 'd-rel')), {
      eventType: 'release.published',
      orderingKey: 'RE_1',
    });
  });
});
