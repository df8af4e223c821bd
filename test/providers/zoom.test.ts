import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertRejected, assertStored, nowSec, startHarness, type Harness } from './harness.ts';

const SECRET = 'zoom-secret-token';
// Zoom's documented scheme: v0= + hex HMAC-SHA256 of `v0:${timestamp}:${body}`.
const signed = (body: string, secret = SECRET, ts = nowSec()): Record<string, string> => ({
  'content-type': 'application/json',
  'x-zm-request-timestamp': String(ts),
  'x-zm-signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`,
});

describe('zoom through the gateway', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ zoom: { provider: 'zoom', secrets: ['previous-token', SECRET] } });
  });
  after(() => h.stop());

  it('answers endpoint.url_validation with plainToken and its HMAC under the signing secret', async () => {
    const body = JSON.stringify({
      payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' },
      event_ts: 1654503849680,
      event: 'endpoint.url_validation',
    });
    const sent = await h.post('zoom', body, signed(body));
    assert.equal(sent.status, 200);
    assert.deepEqual(sent.json, {
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: createHmac('sha256', SECRET).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'),
    });
    // Unsigned validation is refused: the answer is an HMAC oracle.
    assertRejected(await h.post('zoom', body, { 'content-type': 'application/json' }));
  });

  it('stores events with event / event_ts / object uuid', async () => {
    const body = JSON.stringify({ event: 'meeting.started', event_ts: 1_700_000_000_123, payload: { object: { uuid: 'u4Ld==', id: 8 } } });
    await assertStored(h, await h.post('zoom', body, signed(body)), {
      eventId: 'meeting.started:1700000000123:u4Ld==',
      eventType: 'meeting.started',
      sequence: 1_700_000_000_123,
      orderingKey: 'u4Ld==',
    });
  });

  it('rejects tampered bodies, wrong secrets and old timestamps', async () => {
    const body = JSON.stringify({ event: 'meeting.ended', event_ts: 1 });
    assertRejected(await h.post('zoom', body.replace('ended', 'started'), signed(body)));
    assertRejected(await h.post('zoom', body, signed(body, 'wrong')));
    assertRejected(await h.post('zoom', body, signed(body, SECRET, nowSec() - 400)), /too old/);
  });
});
