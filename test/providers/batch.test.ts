import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Signature } from '@hubspot/api-client';
import { splitJsonArray } from '../../src/providers/json-array.ts';
import { assertRejected, nowSec, startHarness, type Harness } from './harness.ts';

const CLIENT_SECRET = 'hubspot-client-secret';
const PUBLIC = 'https://hooks.example.com/in/hubspot';
// Raw bytes with a number beyond 2^53: each item must keep its own exact bytes.
const hubspotBody =
  '[{"eventId":100,"subscriptionId":7,"portalId":62515,"occurredAt":1700000000001,"subscriptionType":"contact.creation","objectId":123456789012345678901},\n {"eventId":101,"occurredAt":1700000000002,"subscriptionType":"contact.propertyChange","objectId":5,"propertyValue":"a,]}\\""}]';
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const sendgridKey = ec.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const sendgridBody = JSON.stringify([
  { email: 'a@example.com', timestamp: 1_700_000_100, event: 'delivered', sg_event_id: 'sg-1', sg_message_id: 'msg-a' },
  { email: 'b@example.com', timestamp: 1_700_000_200, event: 'open', sg_event_id: 'sg-2', sg_message_id: 'msg-b' },
]);

const hubspotHeaders = (body: string, url: string, ts = Date.now(), secret = CLIENT_SECRET): Record<string, string> => ({
  'content-type': 'application/json',
  'x-hubspot-request-timestamp': String(ts),
  'x-hubspot-signature-v3': Signature.getSignature('POST', 'v3', {
    clientSecret: secret,
    requestBody: body,
    url,
    timestamp: ts,
    signature: '',
  }),
});
const sendgridHeaders = (body: string, key = ec.privateKey, ts = nowSec()): Record<string, string> => ({
  'content-type': 'application/json',
  'x-twilio-email-event-webhook-timestamp': String(ts),
  'x-twilio-email-event-webhook-signature': sign('sha256', Buffer.from(`${ts}${body}`), key).toString('base64'),
});

describe('batch providers through the gateway', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      hubspot: { provider: 'hubspot', secret: CLIENT_SECRET, publicUrl: PUBLIC },
      sendgrid: { provider: 'sendgrid', secret: sendgridKey },
    });
  });
  after(() => h.stop());

  it('hubspot: @hubspot/api-client v3 signature; one message per array item with its own bytes', async () => {
    const sent = await h.post('hubspot', hubspotBody, hubspotHeaders(hubspotBody, PUBLIC));
    assert.equal(sent.status, 200, sent.text);
    const ids = (sent.json as { ids: string[] }).ids;
    assert.equal(ids.length, 2);
    const first = await h.message(ids[0] as string);
    const second = await h.message(ids[1] as string);
    assert.equal(first.eventId, '100');
    assert.equal(first.eventType, 'contact.creation');
    assert.equal(first.sequence, 1_700_000_000_001);
    assert.equal(
      first.payload?.toString(),
      '{"eventId":100,"subscriptionId":7,"portalId":62515,"occurredAt":1700000000001,"subscriptionType":"contact.creation","objectId":123456789012345678901}',
    );
    assert.equal(second.eventType, 'contact.propertyChange');
    assert.equal(second.orderingKey, '5');
    assert.equal(
      second.payload?.toString(),
      '{"eventId":101,"occurredAt":1700000000002,"subscriptionType":"contact.propertyChange","objectId":5,"propertyValue":"a,]}\\""}',
    );
  });

  it('hubspot: rejects tampered body, wrong secret, wrong URL and an old timestamp', async () => {
    assertRejected(await h.post('hubspot', hubspotBody.replace('100', '999'), hubspotHeaders(hubspotBody, PUBLIC)));
    assertRejected(await h.post('hubspot', hubspotBody, hubspotHeaders(hubspotBody, PUBLIC, Date.now(), 'wrong')));
    assertRejected(await h.post('hubspot', hubspotBody, hubspotHeaders(hubspotBody, 'https://elsewhere.example/in/hubspot')));
    assertRejected(await h.post('hubspot', hubspotBody, hubspotHeaders(hubspotBody, PUBLIC, Date.now() - 301_000)), /too old/);
  });

  it('sendgrid: ECDSA P-256 signature; one message per event', async () => {
    const sent = await h.post('sendgrid', sendgridBody, sendgridHeaders(sendgridBody));
    assert.equal(sent.status, 200, sent.text);
    const ids = (sent.json as { ids: string[] }).ids;
    const messages = await Promise.all(ids.map((id) => h.message(id)));
    assert.deepEqual(
      messages.map((m) => [m.eventId, m.eventType, m.sequence, m.orderingKey]),
      [
        ['sg-1', 'delivered', 1_700_000_100_000, 'msg-a'],
        ['sg-2', 'open', 1_700_000_200_000, 'msg-b'],
      ],
    );
    // The same batch again is deduplicated item by item.
    const again = await h.post('sendgrid', sendgridBody, sendgridHeaders(sendgridBody));
    assert.equal((again.json as { duplicate?: boolean }).duplicate, true);
  });

  it('sendgrid: rejects tampered body, another key and an old timestamp', async () => {
    assertRejected(await h.post('sendgrid', sendgridBody.replace('open', 'click'), sendgridHeaders(sendgridBody)));
    const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    assertRejected(await h.post('sendgrid', sendgridBody, sendgridHeaders(sendgridBody, stranger)));
    assertRejected(await h.post('sendgrid', sendgridBody, sendgridHeaders(sendgridBody, ec.privateKey, nowSec() - 3600)), /too old/);
  });
});

describe('splitJsonArray', () => {
  it('returns each top-level item exactly, and undefined for non-arrays', () => {
    assert.deepEqual(splitJsonArray(Buffer.from(' [ 1 , "a,b" ,{"x":[1,2]} ,[] ] '))?.map(String), ['1', '"a,b"', '{"x":[1,2]}', '[]']);
    assert.deepEqual(splitJsonArray(Buffer.from('[]')), []);
    assert.equal(splitJsonArray(Buffer.from('{"a":1}')), undefined);
    assert.equal(splitJsonArray(Buffer.from('[1,2')), undefined);
  });
});
