import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig, validateConfig } from '../../src/gateway/config.ts';
import { HttpError } from '../../src/errors.ts';
import { startGateway, type Gateway } from '../../src/gateway/gateway.ts';
import { refuseInvalidPayload } from '../../src/http/api/message-schema.ts';
import { EventTypeCatalog } from '../../src/ingest/event-types.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { runCli } from '../helpers/cli.ts';
import { API_TOKEN, eventually, LogSink, tempDir } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { STD_SECRET, stdHeaders } from '../helpers/signing.ts';

const strictSchema = {
  type: 'object',
  required: ['amount', 'currency'],
  properties: { amount: { type: 'integer' }, currency: { type: 'string' } },
};
const looseSchema = { type: 'object', required: ['amount'], properties: { amount: { type: ['integer', 'string'] } } };

function yaml(dir: string, receiverUrl: string, schema: unknown): string {
  return `apiToken: ${API_TOKEN}
allowPrivateNetworks: true
server: { host: 127.0.0.1, port: 0 }
dataDir: "${dir}"
logLevel: warn
eventTypes:
  order.paid:
    description: An order was paid
    schema: ${JSON.stringify(schema)}
applications:
  shop:
    endpoints:
      - { id: main, url: "${receiverUrl}" }
  strict:
    strictEventTypes: true
    endpoints: []
sources:
  std: { provider: standard-webhooks, secret: "${STD_SECRET}", application: shop, eventType: "body:$.type" }
  strictsrc: { provider: standard-webhooks, secret: "${STD_SECRET}", application: strict, eventType: "body:$.type" }
`;
}

async function start(text: string): Promise<Gateway> {
  return startGateway(parseConfig(text, 'schema.yaml', {}, {}), createLogger('warn', new LogSink()));
}

async function post(gw: Gateway, source: string, payload: unknown): Promise<{ id: string; state?: string }> {
  const body = JSON.stringify(payload);
  const res = await fetch(`${gw.url}/in/${source}`, { method: 'POST', body, headers: stdHeaders(body) });
  assert.equal(res.status, 200, 'a verified message is answered 200 even when it fails its schema');
  return (await res.json()) as { id: string; state?: string };
}

async function api(gw: Gateway, path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${gw.url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('schema validation and the quarantine', () => {
  it('invalid → quarantined with every error → schema fixed → released (CLI) → delivered', async () => {
    const receiver = await new Receiver().start();
    const tmp = tempDir('sluice-schema-');
    let gw = await start(yaml(tmp.dir, receiver.url, strictSchema));
    try {
      await post(gw, 'std', { type: 'order.paid', amount: 5, currency: 'eur' });
      const bad = await post(gw, 'std', { type: 'order.paid', amount: '12', extra: { deep: [1, 2] } });
      assert.equal(bad.state, 'invalid');
      await receiver.waitFor(1);
      const deliveries = await api(gw, `/app/shop/msg/${bad.id}/endpoint`);
      assert.deepEqual(deliveries.body.data, [], 'an invalid message is not delivered');

      const list = await api(gw, '/app/shop/quarantine');
      const [item] = list.body.data as Array<{ id: string; payload: unknown; errors: Array<{ path: string; message: string }> }>;
      assert.equal(item?.id, bad.id);
      assert.deepEqual(item?.payload, { type: 'order.paid', amount: '12', extra: { deep: [1, 2] } }, 'the full payload');
      assert.deepEqual(item?.errors.map((e) => e.path).sort(), ['/amount', '/currency'], 'every validation error, by path');

      const still = await api(gw, '/app/shop/quarantine/release', { method: 'POST', body: '{}' });
      assert.deepEqual(still.body.released, []);
      assert.equal((still.body.stillInvalid as unknown[]).length, 1, 'nothing passes while the schema is unchanged');

      // The fix: the schema in the YAML, then a restart on the same data.
      await gw.stop();
      gw = await start(yaml(tmp.dir, receiver.url, looseSchema));
      const dry = await api(gw, '/app/shop/quarantine/release', { method: 'POST', body: '{"dryRun": true}' });
      assert.deepEqual(dry.body.released, [{ id: bad.id, deliveries: null }], 'a dry run names what would be released');
      assert.equal((await api(gw, `/app/shop/msg/${bad.id}`)).body.state, 'invalid', 'and releases nothing');
      assert.equal(receiver.requests.length, 1);
      const cli = await runCli(['quarantine', 'release', '--app', 'shop', '--url', gw.url, '--token', API_TOKEN]);
      assert.equal(cli.code, 0, cli.stderr);
      assert.match(cli.stdout, /checked 1, released 1, still invalid 0/);
      await receiver.waitFor(2);
      assert.deepEqual(JSON.parse(receiver.requests[1]!.body.toString()), { type: 'order.paid', amount: '12', extra: { deep: [1, 2] } });
      const message = await api(gw, `/app/shop/msg/${bad.id}`);
      assert.equal(message.body.state, 'accepted');
      assert.deepEqual((await api(gw, '/app/shop/quarantine')).body.data, []);
    } finally {
      await gw.stop();
      await receiver.stop();
      tmp.remove();
    }
  });

  it('a strict application quarantines unknown event types; others accept them', async () => {
    const receiver = await new Receiver().start();
    const tmp = tempDir('sluice-schema-');
    const gw = await start(yaml(tmp.dir, receiver.url, strictSchema));
    try {
      const strict = await post(gw, 'strictsrc', { type: 'order.unheard_of' });
      assert.equal(strict.state, 'invalid');
      const [item] = (await api(gw, '/app/strict/quarantine')).body.data as Array<{ errors: Array<{ message: string }> }>;
      assert.match(item?.errors[0]?.message ?? '', /event type "order\.unheard_of" is not declared/);
      const loose = await post(gw, 'std', { type: 'order.unheard_of' });
      assert.equal(loose.state, undefined);
      await eventually(() => (receiver.requests.length === 1 ? true : undefined), 10_000, 'the loose delivery');
      const bad = await api(gw, '/app/shop/quarantine/release', { method: 'POST', body: '{"limit": 0}' });
      assert.equal(bad.status, 422);
    } finally {
      await gw.stop();
      await receiver.stop();
      tmp.remove();
    }
  });

  it('API messages failing their schema are refused with 422 naming each path', async () => {
    const catalog = new EventTypeCatalog({ 'order.paid': { name: 'order.paid', description: '', schema: strictSchema } }, undefined);
    await refuseInvalidPayload(catalog, 'order.paid', { amount: 1, currency: 'eur' }, false);
    await refuseInvalidPayload(catalog, 'anything.else', { whatever: true }, false);
    await assert.rejects(
      refuseInvalidPayload(catalog, 'order.paid', { amount: 1.5 }, false),
      (err: unknown) =>
        err instanceof HttpError &&
        err.status === 422 &&
        /payload\.amount: must be integer/.test(err.message) &&
        /payload\.currency: must have required property/.test(err.message),
    );
    await assert.rejects(
      refuseInvalidPayload(catalog, 'anything.else', {}, true),
      (err: unknown) => err instanceof HttpError && err.status === 422 && err.code === 'unknown_event_type',
    );
    // API-created event types (Svix's versioned schemas) win over the YAML, newest version first.
    const api = new EventTypeCatalog({}, async () => ({ schemas: { 1: strictSchema, 2: looseSchema } }));
    await refuseInvalidPayload(api, 'order.paid', { amount: 'x' }, false);
  });

  it('the config refuses a schema that is not one, naming its key', () => {
    const out = validateConfig({
      apiToken: 'x'.repeat(20),
      eventTypes: { 'a.b': { schema: { type: 'no-such-type' } }, 'c.d': { schema: 'text' } },
    });
    assert.equal(out.problems.length, 2);
    assert.match(out.problems[0] ?? '', /^eventTypes\.a\.b\.schema: is not a valid JSON Schema/);
    assert.match(out.problems[1] ?? '', /^eventTypes\.c\.d\.schema: must be a JSON Schema object/);
  });
});
