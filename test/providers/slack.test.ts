import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { slack } from '../../src/providers/slack.ts';
import type { SourceConfig } from '../../src/config/types.ts';
import { assertRejected, assertStored, nowSec, startHarness, type Harness } from './harness.ts';

const SECRET = 'slack-signing-secret';
const sign = (body: string, ts: number, secret = SECRET): Record<string, string> => ({
  'x-slack-request-timestamp': String(ts),
  'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`,
});

describe('slack: the documented example', () => {
  it('verifies the request from Slack\'s "Verifying requests" guide', () => {
    // Values published in Slack's documentation (secret, timestamp, body and signature).
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const source = { secrets: ['8f742231b10e8888abcd99yyyzzz85a5'], toleranceMs: 300_000 } as SourceConfig;
    const instance = slack.create(source, {});
    const req = {
      rawBody: Buffer.from(body),
      method: 'POST',
      url: 'https://example.com/in/slack',
      headers: {
        'x-slack-request-timestamp': '1531420618',
        'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      },
    };
    assert.deepEqual(instance.verify(req, 1531420618_000), { ok: true });
    assert.equal(instance.verify(req, 1531420618_000 + 301_000).ok, false);
    const parsed = Object.fromEntries(new URLSearchParams(body));
    assert.deepEqual(instance.extract(req, parsed), {
      eventId: '398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
      eventType: 'slash_command',
      orderingKey: 'G8PSS9T3V',
    });
  });
});

describe('slack through the gateway', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ slack: { provider: 'slack', secrets: ['old-secret', SECRET] } });
  });
  after(() => h.stop());

  it('stores an event callback with event_id / event.type / event_time', async () => {
    const body = JSON.stringify({
      type: 'event_callback',
      event_id: 'Ev08MFMKH6',
      event_time: 1_700_000_123,
      event: { type: 'app_mention', channel: 'C123' },
    });
    const sent = await h.post('slack', body, { 'content-type': 'application/json', ...sign(body, nowSec()) });
    await assertStored(h, sent, { eventId: 'Ev08MFMKH6', eventType: 'app_mention', sequence: 1_700_000_123_000, orderingKey: 'C123' });
  });

  it('answers url_verification with {challenge} and ssl_check with 200, storing neither', async () => {
    const body = JSON.stringify({
      token: 'x',
      challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
      type: 'url_verification',
    });
    const sent = await h.post('slack', body, { 'content-type': 'application/json', ...sign(body, nowSec()) });
    assert.equal(sent.status, 200);
    assert.deepEqual(sent.json, { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    const unsignedChallenge = await h.post('slack', body, { 'content-type': 'application/json' });
    assertRejected(unsignedChallenge, /missing/);
    const ssl = await h.post('slack', 'ssl_check=1&token=abc', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(ssl.status, 200);
    assert.equal((ssl.json as { id?: string }).id, undefined);
  });

  it('rejects tampered bodies, wrong secrets and old timestamps', async () => {
    const body = JSON.stringify({ type: 'event_callback', event_id: 'Ev2', event: { type: 'message' } });
    assertRejected(await h.post('slack', body.replace('Ev2', 'Ev3'), { 'content-type': 'application/json', ...sign(body, nowSec()) }));
    assertRejected(await h.post('slack', body, { 'content-type': 'application/json', ...sign(body, nowSec(), 'wrong') }));
    assertRejected(await h.post('slack', body, { 'content-type': 'application/json', ...sign(body, nowSec() - 600) }), /too old/);
  });
});
