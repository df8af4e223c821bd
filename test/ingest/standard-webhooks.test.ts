import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway } from '../helpers/gateway.ts';
import { STD_SECRET, STD_SECRET_2, stdHeaders } from '../helpers/signing.ts';

describe('ingest: standard-webhooks verification', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(`
applications:
  demo: {}
sources:
  std:
    provider: standard-webhooks
    secrets: [${STD_SECRET}, ${STD_SECRET_2}]
    application: demo
`);
  });
  after(() => gw.stop());

  const post = (body: string, headers: Record<string, string>) => fetch(`${gw.url}/in/std`, { method: 'POST', body, headers });
  const count = async () => ((await (await gw.api('/app/demo/msg?limit=250')).json()) as { data: unknown[] }).data.length;

  test('a request signed by the standardwebhooks package is accepted and stored', async () => {
    const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'in_1' } });
    const res = await post(body, stdHeaders(body, { id: 'msg_valid_1' }));
    assert.equal(res.status, 200);
    const out = (await res.json()) as { id: string };
    assert.match(out.id, /^msg_/);
    const msg = (await (await gw.api(`/app/demo/msg/${out.id}`)).json()) as Record<string, unknown>;
    assert.equal(msg.eventId, 'msg_valid_1');
    assert.equal(msg.eventType, 'invoice.paid');
    assert.deepEqual(msg.payload, { type: 'invoice.paid', data: { id: 'in_1' } });
  });

  test('both secrets pass during a rotation', async () => {
    for (const secret of [STD_SECRET, STD_SECRET_2]) {
      const body = JSON.stringify({ type: 'rotation.test', secret: secret.slice(-4) });
      const res = await post(body, stdHeaders(body, { secret }));
      assert.equal(res.status, 200, `secret ending ${secret.slice(-4)}`);
    }
  });

  const rejected: Array<[string, () => [string, Record<string, string>]]> = [
    [
      'tampered body',
      () => {
        const h = stdHeaders('{"type":"a","amount":1}');
        return ['{"type":"a","amount":1000}', h];
      },
    ],
    [
      'wrong secret',
      () => {
        const body = '{"type":"a"}';
        return [body, stdHeaders(body, { secret: 'whsec_d3Jvbmcgd3Jvbmcgd3Jvbmcgd3Jvbmch' })];
      },
    ],
    [
      'stale timestamp (6 minutes old)',
      () => {
        const body = '{"type":"a"}';
        return [body, stdHeaders(body, { at: new Date(Date.now() - 6 * 60_000) })];
      },
    ],
    [
      'future timestamp (6 minutes ahead)',
      () => {
        const body = '{"type":"a"}';
        return [body, stdHeaders(body, { at: new Date(Date.now() + 6 * 60_000) })];
      },
    ],
    [
      'missing signature header',
      () => {
        const body = '{"type":"a"}';
        const h = stdHeaders(body);
        delete h['webhook-signature'];
        return [body, h];
      },
    ],
    [
      'missing id header',
      () => {
        const body = '{"type":"a"}';
        const h = stdHeaders(body);
        delete h['webhook-id'];
        return [body, h];
      },
    ],
    [
      'only an unknown signature version',
      () => {
        const body = '{"type":"a"}';
        const h = stdHeaders(body);
        h['webhook-signature'] = h['webhook-signature']!.replace('v1,', 'v9,');
        return [body, h];
      },
    ],
  ];

  for (const [name, make] of rejected) {
    test(`401 and nothing stored: ${name}`, async () => {
      const before = await count();
      const [body, headers] = make();
      const res = await post(body, headers);
      assert.equal(res.status, 401);
      const out = (await res.json()) as { error: string; reason: string };
      assert.equal(out.error, 'signature_invalid');
      assert.ok(out.reason.length > 0);
      assert.equal(await count(), before);
    });
  }

  test('a list with an unknown version and a valid v1 passes', async () => {
    const body = '{"type":"multi"}';
    const h = stdHeaders(body);
    h['webhook-signature'] = `v2,AAAA ${h['webhook-signature']}`;
    assert.equal((await post(body, h)).status, 200);
  });

  test('rejections are counted in /metrics and the log never holds a signature', async () => {
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /sluice_ingest_rejected_total\{source="std",reason="signature"\} [1-9]/);
    assert.match(metrics, /sluice_ingest_verified_total\{source="std"\} [1-9]/);
    const logs = gw.logs.lines.join('\n');
    assert.ok(gw.logs.lines.some((l) => l.includes('"decision":"rejected"')));
    assert.ok(!logs.includes('v1,'), 'a signature appeared in the logs');
    assert.ok(!logs.includes(STD_SECRET.slice(6)), 'a secret appeared in the logs');
  });
});
