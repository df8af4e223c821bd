import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as edSign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { parseConfig } from '../../src/gateway/config.ts';
import { verifySignature } from '../../src/signing/standard-webhooks.ts';
import { assertRejected, assertStored, startHarness, type Harness } from './harness.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = 'whsec_dGhpcyBpcyBhIGRpZmZlcmVudCBrZXkh';
const body = JSON.stringify({ type: 'user.created', data: { id: 'user_29w83sxmDNGwOuEthce5gg56FcC' } });
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const WHPK = `whpk_${Buffer.from((publicKey.export({ format: 'jwk' }) as { x: string }).x, 'base64url').toString('base64')}`;

const stdHeaders = (id: string, at: Date, secret = SECRET): Record<string, string> => ({
  'content-type': 'application/json',
  'webhook-id': id,
  'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
  'webhook-signature': new StandardWebhook(secret).sign(id, at, body),
});
const svixHeaders = (id: string, at: Date, secret = SECRET): Record<string, string> => ({
  'content-type': 'application/json',
  'svix-id': id,
  'svix-timestamp': String(Math.floor(at.getTime() / 1000)),
  'svix-signature': new SvixWebhook(secret).sign(id, at, body),
});

describe('standard-webhooks / svix / clerk / resend through the gateway', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      std: { provider: 'standard-webhooks', secrets: [OTHER, SECRET] },
      svix: { provider: 'svix', secret: SECRET },
      clerk: { provider: 'clerk', secret: SECRET },
      resend: { provider: 'resend', secret: SECRET, tolerance: '30s' },
      asym: { provider: 'standard-webhooks', secret: WHPK },
      both: { provider: 'standard-webhooks', secrets: [SECRET, WHPK] },
    });
  });
  after(() => h.stop());

  it('accepts standardwebhooks and svix signatures under webhook-* and svix-* names', async () => {
    const at = new Date();
    const sec = Math.floor(at.getTime() / 1000) * 1000;
    await assertStored(h, await h.post('std', body, stdHeaders('msg_std1', at)), {
      eventId: 'msg_std1',
      eventType: 'user.created',
      sequence: sec,
      orderingKey: 'user_29w83sxmDNGwOuEthce5gg56FcC',
    });
    await assertStored(h, await h.post('svix', body, svixHeaders('msg_svix1', at)), { eventId: 'msg_svix1', eventType: 'user.created' });
    await assertStored(h, await h.post('clerk', body, svixHeaders('msg_clerk1', at)), { eventId: 'msg_clerk1' });
    await assertStored(h, await h.post('resend', body, svixHeaders('msg_resend1', at)), { eventId: 'msg_resend1' });
  });

  it('accepts v1a Ed25519 signatures with a whpk_ key', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const sig = edSign(null, Buffer.from(`msg_a1.${ts}.${body}`), privateKey).toString('base64');
    const headers = {
      'content-type': 'application/json',
      'webhook-id': 'msg_a1',
      'webhook-timestamp': String(ts),
      'webhook-signature': `v1a,${sig}`,
    };
    await assertStored(h, await h.post('asym', body, headers), { eventId: 'msg_a1' });
    assertRejected(await h.post('asym', body.replace('created', 'deleted'), headers));
  });

  it('rejects tampered bodies, wrong secrets and expired timestamps', async () => {
    const now = new Date();
    assertRejected(await h.post('std', body.replace('created', 'deleted'), stdHeaders('m1', now)), /no signature/);
    assertRejected(await h.post('svix', body, svixHeaders('m2', now, 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')));
    assertRejected(await h.post('std', body, stdHeaders('m3', new Date(Date.now() - 6 * 60_000))), /too old/);
    assertRejected(await h.post('resend', body, svixHeaders('m4', new Date(Date.now() - 60_000))), /too old/);
  });

  it('names the real problem when a source has both a whsec_ and a whpk_ key', async () => {
    const now = new Date();
    assertRejected(await h.post('both', body, stdHeaders('m5', now, OTHER)), /^no signature matches$/);
    assertRejected(await h.post('both', body, stdHeaders('m6', new Date(Date.now() - 6 * 60_000))), /too old/);
    const ts = Math.floor(Date.now() / 1000);
    const forged = edSign(null, Buffer.from(`m7.${ts}.${body}`), generateKeyPairSync('ed25519').privateKey).toString('base64');
    const v1a = {
      'content-type': 'application/json',
      'webhook-id': 'm7',
      'webhook-timestamp': String(ts),
      'webhook-signature': `v1a,${forged}`,
    };
    assertRejected(await h.post('both', body, v1a), /^no signature matches$/);
    await assertStored(h, await h.post('both', body, stdHeaders('m8', now)), { eventId: 'm8' });
    const good = edSign(null, Buffer.from(`m9.${ts}.${body}`), privateKey).toString('base64');
    await assertStored(h, await h.post('both', body, { ...v1a, 'webhook-id': 'm9', 'webhook-signature': `v1a,${good}` }), {
      eventId: 'm9',
    });
  });

  it('draws the timestamp boundary where the reference library does, on both sides', () => {
    const secret = SECRET;
    const realNow = Date.now;
    const base = Math.floor(realNow() / 1000);
    try {
      // Both clocks at the same instant, at the start and at the very end of a second.
      for (const fraction of [0, 999]) {
        const nowMs = base * 1000 + fraction;
        Date.now = () => nowMs;
        for (const offset of [-301, -300, -299, 0, 299, 300, 301]) {
          const ts = base + offset;
          const at = new Date(ts * 1000);
          const headers = {
            'webhook-id': 'msg_b',
            'webhook-timestamp': String(ts),
            'webhook-signature': new StandardWebhook(secret).sign('msg_b', at, body),
          };
          let reference = true;
          try {
            new StandardWebhook(secret).verify(body, headers);
          } catch {
            reference = false;
          }
          const ours = verifySignature(
            [secret],
            { id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'] },
            Buffer.from(body),
            nowMs,
            300_000,
          );
          assert.equal(ours.ok, reference, `offset ${offset}s at +${fraction} ms: reference ${reference}, ours ${JSON.stringify(ours)}`);
        }
      }
    } finally {
      Date.now = realNow;
    }
  });

  it('refuses malformed secrets when the config loads', () => {
    assert.throws(
      () =>
        parseConfig(
          JSON.stringify({
            apiToken: 'test-token-0123456789',
            applications: { a: {} },
            sources: { s: { provider: 'svix', secret: 'not base64!', application: 'a' } },
          }),
          'x.yaml',
          {},
          {},
        ),
      /sources\.s\.secrets: each must be whsec_/,
    );
  });
});
