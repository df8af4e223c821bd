import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaults } from '../../src/config/defaults.ts';
import { compileStoredSchemas } from '../../src/ingest/event-types.ts';
import { capIssues } from '../../src/ingest/schema.ts';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { STD_SECRET, stdHeaders } from '../helpers/signing.ts';

/** A schema requiring 120 fields: an empty payload fails it 120 ways. */
const wide = { type: 'object', required: Array.from({ length: 120 }, (_, i) => `f${i}`) };

describe('event-type schemas: compiled when created or loaded, refused when they do not compile, errors capped', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(
      `
applications:
  shop: { endpoints: [] }
sources:
  std: { provider: standard-webhooks, secret: "${STD_SECRET}", application: shop, eventType: "body:$.type" }
`,
      { logLevel: 'warn' },
    );
  });
  after(() => gw?.stop());

  it('a schema that does not compile is a 422 naming why, on create, PUT and PATCH; nothing is stored', async () => {
    const broken = { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } };
    const created = await gw.api('/event-type', {
      method: 'POST',
      body: JSON.stringify({ name: 'bad.ref', description: '', schemas: { 1: broken } }),
    });
    assert.equal(created.status, 422);
    const body = (await created.json()) as { code: string; detail: string };
    assert.equal(body.code, 'validation');
    assert.match(body.detail, /body\.schemas\.1: is not a valid JSON Schema.*missing/);
    assert.equal((await gw.api('/event-type/bad.ref')).status, 404);
    assert.equal(
      (await gw.api('/event-type/bad.ref', { method: 'PUT', body: JSON.stringify({ description: '', schemas: { 1: broken } }) })).status,
      422,
    );
    assert.equal((await gw.api('/event-type/bad.ref')).status, 404);
    assert.equal(
      (
        await gw.api('/event-type', {
          method: 'POST',
          body: JSON.stringify({ name: 'good', description: '', schemas: { 1: { type: 'object' } } }),
        })
      ).status,
      201,
    );
    assert.equal(
      (
        await gw.api('/event-type/good', {
          method: 'PATCH',
          body: JSON.stringify({ schemas: { 2: { $ref: 'http://example.invalid/x.json' } } }),
        })
      ).status,
      422,
    );
    assert.deepEqual(((await (await gw.api('/event-type/good?withContent=true')).json()) as { schemas: unknown }).schemas, {
      1: { type: 'object' },
    });
  });

  it('stores at most the configured number of validation errors, and says how many more there were', async () => {
    assert.equal(
      (await gw.api('/event-type', { method: 'POST', body: JSON.stringify({ name: 'wide.one', description: '', schemas: { 1: wide } }) }))
        .status,
      201,
    );
    const payload = JSON.stringify({ type: 'wide.one' });
    const res = await fetch(`${gw.url}/in/std`, { method: 'POST', body: payload, headers: stdHeaders(payload) });
    assert.equal(res.status, 200);
    const { id } = (await res.json()) as { id: string };
    const app = (await gw.gateway.store.getApplication('shop'))!.id;
    const stored = await eventually(() => gw.gateway.store.getMessage(app, id).then((m) => m ?? undefined));
    assert.equal(stored.state, 'invalid');
    const issues = stored.validationErrors ?? [];
    assert.equal(issues.length, defaults.maxValidationIssues);
    assert.equal(issues.at(-1)?.message, `and ${120 - (defaults.maxValidationIssues - 1)} more errors, not kept`);
    assert.deepEqual(capIssues([{ path: '/a', message: 'x' }], 1), [{ path: '/a', message: 'x' }]);
  });

  it('compiles every stored schema at start and names one that does not compile', async () => {
    const store = gw.gateway.store;
    // As an older version let one in through the API: written to the store directly.
    await store.createEventType(
      {
        name: 'legacy.bad',
        description: '',
        schemas: { 1: { $ref: '#/nope' } },
        deprecated: false,
        archived: false,
        featureFlag: null,
        groupName: null,
      },
      Date.now(),
    );
    const warned: string[] = [];
    const seen = await compileStoredSchemas(
      (iterator) => store.listEventTypes({ limit: 2, includeArchived: false, ...(iterator ? { iterator } : {}) }),
      (name, problem) => warned.push(`${name}: ${problem}`),
    );
    assert.ok(seen >= 3, `pages through every type (saw ${seen})`);
    assert.equal(warned.length, 1);
    assert.match(warned[0] ?? '', /^legacy\.bad: is not a valid JSON Schema/);
  });
});
