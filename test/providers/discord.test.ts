import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertRejected, assertStored, nowSec, startHarness, type Harness } from './harness.ts';

const pair = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const hex = (key: KeyObject): string => Buffer.from((key.export({ format: 'jwk' }) as { x: string }).x, 'base64url').toString('hex');
const signed = (body: string, key = pair.privateKey, ts = nowSec()): Record<string, string> => ({
  'content-type': 'application/json',
  'x-signature-timestamp': String(ts),
  'x-signature-ed25519': sign(null, Buffer.from(`${ts}${body}`), key).toString('hex'),
});

describe('discord through the gateway', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ discord: { provider: 'discord', secrets: [hex(other.publicKey), hex(pair.publicKey)] } });
  });
  after(() => h.stop());

  it('answers an interactions PING with {"type":1}, but only when signed', async () => {
    const ping = JSON.stringify({ id: '1', application_id: '2', type: 1, token: 't', version: undefined });
    const sent = await h.post('discord', ping, signed(ping));
    assert.equal(sent.status, 200);
    assert.equal(sent.text, '{"type":1}');
    assert.match(sent.contentType ?? '', /application\/json/);
    // Discord checks that a bad signature gets 401 before it accepts the endpoint.
    const bad = signed(ping);
    const flipped = Buffer.from(bad['x-signature-ed25519'] as string, 'hex');
    flipped[0] = (flipped[0] as number) ^ 0x01;
    bad['x-signature-ed25519'] = flipped.toString('hex');
    assertRejected(await h.post('discord', ping, bad));
  });

  it('answers a webhook-events PING with 204 and stores events', async () => {
    const ping = JSON.stringify({ version: 1, application_id: '2', type: 0 });
    const sent = await h.post('discord', ping, signed(ping));
    assert.equal(sent.status, 204);
    const event = JSON.stringify({
      version: 1,
      application_id: '2',
      type: 1,
      event: { type: 'APPLICATION_AUTHORIZED', timestamp: '2024-10-18T14:42:53.064834', data: { user: { id: '77' } } },
    });
    await assertStored(h, await h.post('discord', event, signed(event)), {
      eventId: 'APPLICATION_AUTHORIZED:2024-10-18T14:42:53.064834:77',
      eventType: 'APPLICATION_AUTHORIZED',
      orderingKey: '77',
    });
  });

  it('stores interactions with their id, type and snowflake time', async () => {
    const body = JSON.stringify({ id: '1287654321098765432', type: 2, channel_id: 'c1', data: { name: 'ping' } });
    const expectedMs = Number((1287654321098765432n >> 22n) + 1420070400000n);
    await assertStored(h, await h.post('discord', body, signed(body)), {
      eventId: '1287654321098765432',
      eventType: 'interaction.application_command',
      sequence: expectedMs,
      orderingKey: 'c1',
    });
  });

  it('rejects tampered bodies, other keys and old timestamps', async () => {
    const body = JSON.stringify({ id: '5', type: 2 });
    assertRejected(await h.post('discord', body.replace('"5"', '"6"'), signed(body)));
    assertRejected(await h.post('discord', body, signed(body, generateKeyPairSync('ed25519').privateKey)));
    assertRejected(await h.post('discord', body, signed(body, pair.privateKey, nowSec() - 3600)), /too old/);
  });
});
