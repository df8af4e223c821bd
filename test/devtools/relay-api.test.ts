import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { whileAway } from '../../src/delivery/relay-deliverer.ts';
import { applyEdits, EditError, parseEdit } from '../../src/fixtures/edits.ts';
import { Freshener } from '../../src/fixtures/template.ts';
import { API_TOKEN, startTestGateway } from '../helpers/gateway.ts';

describe('relay endpoints through the API, and the rules behind listen and trigger', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway('applications:\n  dev:\n    endpoints:\n      - { id: web, url: "http://127.0.0.1:9/hooks" }\n');
  });
  after(() => gw.stop());

  it('PUT /app/{app}/relay/{name} creates once and reuses after (same secret); bad input is a 4xx naming it', async () => {
    const first = await gw.api('/app/dev/relay/laptop', {
      method: 'PUT',
      body: JSON.stringify({ filterTypes: ['a.b'], keepMs: 3_600_000 }),
    });
    assert.equal(first.status, 201);
    const made = (await first.json()) as {
      id: string;
      url: string;
      type: string;
      secret: string;
      filterTypes: string[];
      metadata: Record<string, string>;
    };
    assert.deepEqual(
      [made.url, made.type, made.filterTypes, made.metadata['sluice.relay.keepMs']],
      ['relay://laptop', 'relay', ['a.b'], '3600000'],
    );
    const again = await gw.api('/app/dev/relay/laptop', { method: 'PUT', body: '{}' });
    assert.equal(again.status, 200);
    const reused = (await again.json()) as { id: string; secret: string; filterTypes: string[] };
    assert.deepEqual([reused.id, reused.secret, reused.filterTypes], [made.id, made.secret, ['a.b']]);
    const listed = (await (await gw.api('/app/dev/endpoint')).json()) as { data: Array<{ uid: string; type: string }> };
    assert.deepEqual(listed.data.map((e) => [e.uid, e.type]).sort(), [
      ['laptop', 'relay'],
      ['web', 'http'],
    ]);

    const taken = await gw.api('/app/dev/relay/web', { method: 'PUT', body: '{}' });
    assert.equal(taken.status, 409);
    assert.match(((await taken.json()) as { detail: string }).detail, /endpoint "web" exists and is not a relay endpoint/);
    assert.equal((await gw.api('/app/nope/relay/laptop', { method: 'PUT', body: '{}' })).status, 404);
    assert.equal((await gw.api('/app/dev/relay/bad%20name', { method: 'PUT', body: '{}' })).status, 422);
    assert.equal((await gw.api('/app/dev/relay/laptop', { method: 'PUT', body: '{"keepMs":5}' })).status, 422);
    assert.equal((await fetch(`${gw.url}/api/v1/app/dev/relay/laptop`, { method: 'PUT' })).status, 401);
  });

  it('the relay WebSocket: ready for a known relay endpoint with the token; refused otherwise', async () => {
    const ws = gw.url.replace('http', 'ws');
    const open = (path: string, token?: string): Promise<{ status?: number; frame?: unknown }> =>
      new Promise((resolve) => {
        const socket = new WebSocket(`${ws}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
        socket.on('unexpected-response', (_req, res) => {
          resolve({ status: res.statusCode });
          socket.terminate();
        });
        socket.on('message', (data) => {
          resolve({ frame: JSON.parse(String(data)) });
          socket.close();
        });
        socket.on('error', () => undefined);
      });
    const ready = await open('/api/v1/app/dev/relay/laptop/connect', API_TOKEN);
    assert.equal((ready.frame as { type: string }).type, 'ready');
    assert.equal((await open('/api/v1/app/dev/relay/laptop/connect')).status, 401);
    assert.equal((await open('/api/v1/app/dev/relay/laptop/connect', 'wrong-token-0000000')).status, 401);
    assert.equal((await open('/api/v1/app/dev/relay/web/connect', API_TOKEN)).status, 404);
    assert.equal((await open('/api/v1/elsewhere', API_TOKEN)).status, 404);
  });

  it('an absent listener: its deliveries wait until --keep, then go dead (injected clock)', () => {
    const received = 1_000_000;
    assert.deepEqual(whileAway(received, 3_600_000, received + 10_000), { until: received + 10_000 + 1_000 });
    assert.deepEqual(whileAway(received, 3_600_000, received + 3_600_000), { until: received + 3_600_000 + 1_000 });
    assert.deepEqual(whileAway(received, 3_600_000, received + 3_600_001), { dead: 'no sluice listen connected within 1h (its --keep)' });
  });

  it('fixture edits and placeholders', () => {
    const doc = { data: { object: { amount: 1, lines: [{ a: 1 }, { a: 2 }] } } };
    applyEdits(doc, [
      parseEdit('override', 'data.object.amount=2000'),
      parseEdit('add', 'data.object.meta.k="007"'),
      parseEdit('remove', 'data.object.lines.0'),
      parseEdit('override', 'data.object.lines.0.a=x'),
    ]);
    assert.deepEqual(doc, { data: { object: { amount: 2000, meta: { k: '007' }, lines: [{ a: 'x' }] } } });
    assert.throws(() => applyEdits(doc, [parseEdit('override', 'data.nope=1')]), EditError);
    assert.throws(() => applyEdits(doc, [parseEdit('add', 'data.object.amount=1')]), /exists already/);
    assert.throws(() => applyEdits(doc, [parseEdit('remove', 'data.object.zz')]), /no such field/);
    assert.throws(() => parseEdit('override', 'novalue'), /expected path=value/);
    assert.throws(() => parseEdit('remove', 'a..b'), /not a dotted path/);
    const fresh = new Freshener(Date.UTC(2026, 11, 1, 10, 0, 0));
    const filled = fresh.fill({
      id: '{{id:evt_}}',
      same: ['{{id:pi_#x}}', '{{id:pi_#x}}'],
      at: '{{unix}}',
      later: '{{unix:60}}',
      iso: '{{iso}}',
      n: '{{int}}',
      s: 'ch_{{hex:8}}',
    }) as Record<string, unknown>;
    assert.match(filled.id as string, /^evt_[A-Za-z0-9]{24}$/);
    assert.equal((filled.same as string[])[0], (filled.same as string[])[1]);
    assert.deepEqual([filled.at, filled.later, filled.iso], [1796119200, 1796119260, '2026-12-01T10:00:00.000Z']);
    assert.equal(typeof filled.n, 'number');
    assert.match(filled.s as string, /^ch_[0-9a-f]{8}$/);
    assert.notEqual(new Freshener(0).fill('{{id:evt_}}'), new Freshener(0).fill('{{id:evt_}}'));
  });
});
