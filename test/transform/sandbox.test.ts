import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runInSandbox } from '../../src/transform/sandbox.ts';
import { readResult, transformInput } from '../../src/transform/webhook.ts';

const limits = { timeoutMs: 50, memoryBytes: 16 * 1024 * 1024 };
const webhook = {
  method: 'POST',
  url: 'https://example.com/hook',
  headers: { 'x-a': '1' },
  payload: { data: { id: 'evt_1', amount: 5 } },
  eventType: 'invoice.paid',
};

async function run(code: string): Promise<Awaited<ReturnType<typeof runInSandbox>>> {
  return runInSandbox(code, webhook, limits);
}

describe('transformation sandbox (QuickJS)', () => {
  it("reshapes the payload, with an arrow function or Svix's handler", async () => {
    const arrow = await run(
      '(webhook) => { webhook.payload = { id: webhook.payload.data.id, cents: webhook.payload.data.amount * 100 }; return webhook; }',
    );
    assert.deepEqual(arrow, { ok: true, value: { ...webhook, payload: { id: 'evt_1', cents: 500 } } });
    const handler = await run('function handler(webhook) { webhook.headers["x-b"] = webhook.eventType; return webhook }');
    assert.equal(handler.ok, true);
    assert.deepEqual((handler as { value: { headers: unknown } }).value.headers, { 'x-a': '1', 'x-b': 'invoice.paid' });
  });

  it('stops an infinite loop at the CPU limit, and the next call works', async () => {
    const started = process.cpuUsage();
    const loop = await run('(w) => { for (;;) {} }');
    assert.equal(loop.ok, false);
    assert.equal((loop as { kind: string }).kind, 'timeout');
    assert.match((loop as { error: string }).error, /CPU time limit/);
    // Interrupted near its budget, not after seconds of spinning.
    const spent = process.cpuUsage(started);
    assert.ok((spent.user + spent.system) / 1000 < 5000);
    assert.equal((await run('(w) => w')).ok, true);
  });

  it('stops a memory bomb at the memory limit, and the process keeps its memory', async () => {
    for (const bomb of [
      '(w) => { const a = []; for (;;) a.push(new Array(100000).fill(1.5)); }',
      '(w) => "x".repeat(1 << 26)',
      '(w) => { const f = (n) => f(n + 1) + 1; return f(0) }',
    ]) {
      const result = await run(bomb);
      assert.equal(result.ok, false, bomb);
      assert.ok(['memory', 'timeout'].includes((result as { kind: string }).kind), bomb);
    }
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 5; i++) await run('(w) => { const a = []; for (;;) a.push(new Array(100000).fill(1.5)); }');
    // Each call's heap goes with its runtime: five more bombs do not keep 5 × 16 MiB.
    assert.ok(process.memoryUsage().rss - rss < 64 * 1024 * 1024);
    assert.equal((await run('(w) => w')).ok, true);
  });

  it('has no way out to process, require, fetch, timers or modules', async () => {
    const probe = await run(`(w) => { w.payload = [typeof process, typeof require, typeof fetch, typeof setTimeout, typeof setInterval,
      typeof queueMicrotask, typeof XMLHttpRequest, typeof Buffer, typeof std, typeof os, typeof globalThis.process,
      typeof Function('return this')().require]; return w }`);
    assert.deepEqual((probe as { value: { payload: unknown } }).value.payload, Array(12).fill('undefined'));
    const viaConstructor = await run('(w) => { w.payload = (0, w.constructor.constructor)("return typeof process")(); return w }');
    assert.equal((viaConstructor as { value: { payload: unknown } }).value.payload, 'undefined');
    const required = await run('(w) => { require("fs"); return w }');
    assert.match((required as { error: string }).error, /ReferenceError: require is not defined|'require' is not defined/);
    const fetched = await run('(w) => { fetch("http://127.0.0.1:1/"); return w }');
    assert.match((fetched as { error: string }).error, /ReferenceError/);
    // `import()` has no loader: the promise rejects inside the sandbox and nothing is read.
    const imported = await run('(w) => { import("node:fs").then(() => { throw new Error("loaded") }); return w }');
    assert.equal(imported.ok, true);
  });

  it('names the error of code that throws, does not compile, or returns no webhook', async () => {
    assert.match(((await run('(w) => { throw new TypeError("no amount") }')) as { error: string }).error, /threw TypeError: no amount/);
    assert.match(((await run('(w) => {')) as { error: string }).error, /does not compile: SyntaxError/);
    assert.match(((await run('42')) as { error: string }).error, /must be a function/);
    assert.match(((await run('async (w) => w')) as { error: string }).error, /returned a promise/);
    assert.match(((await run('(w) => { w.payload = 1n; return w }')) as { error: string }).error, /not JSON data/);
  });
});

describe('transformation result', () => {
  const body = Buffer.from('{"data": {"id": "evt_1", "amount": 5}}');
  const input = transformInput('POST', 'https://example.com/hook?a=1', { 'x-a': '1' }, body, 'invoice.paid');

  it('keeps the original bytes when the payload is unchanged', () => {
    const verdict = readResult(input, body, { ...input, headers: { 'x-b': '2' } }, 'https://example.com');
    assert.equal(verdict.kind, 'send');
    if (verdict.kind !== 'send') return;
    assert.equal(verdict.body, body);
    assert.deepEqual(verdict.headers, { 'x-b': '2' });
    assert.equal(verdict.payloadChanged, false);
  });

  it('serialises a changed payload; a string payload is sent as it is', () => {
    const json = readResult(input, body, { ...input, payload: { id: 'evt_1' } }, 'https://example.com');
    assert.equal(json.kind === 'send' && json.body.toString(), '{"id":"evt_1"}');
    const text = readResult(input, body, { ...input, payload: 'a=1&b=2' }, 'https://example.com');
    assert.equal(text.kind === 'send' && text.body.toString(), 'a=1&b=2');
  });

  it('cancels with the reason given', () => {
    assert.deepEqual(readResult(input, body, { ...input, cancel: true }, null), {
      kind: 'cancel',
      reason: 'cancelled by the transformation',
    });
    assert.deepEqual(readResult(input, body, { ...input, cancel: 'test traffic' }, null), { kind: 'cancel', reason: 'test traffic' });
    assert.deepEqual(readResult(input, body, { ...input, cancel: true, cancelReason: 'amount is zero' }, null), {
      kind: 'cancel',
      reason: 'amount is zero',
    });
  });

  it("lets the URL change within the endpoint's origin only", () => {
    const moved = readResult(input, body, { ...input, url: 'https://example.com/v2/hook' }, 'https://example.com');
    assert.equal(moved.kind === 'send' && moved.url, 'https://example.com/v2/hook');
    for (const url of [
      'https://evil.example/hook',
      'http://example.com/hook',
      'https://example.com:8443/hook',
      'http://127.0.0.1/',
      'not a url',
    ]) {
      const refused = readResult(input, body, { ...input, url }, 'https://example.com');
      assert.equal(refused.kind, 'invalid', url);
    }
    assert.equal(readResult(input, body, { ...input, url: 'https://example.com/x' }, null).kind, 'invalid');
  });

  it('refuses headers Sluice signs with, bad names and line breaks', () => {
    for (const headers of [
      { 'webhook-signature': 'v1,forged' },
      { 'svix-id': 'x' },
      { 'bad name': 'x' },
      { 'x-a': 'a\r\nb: c' },
      { 'x-a': { nested: 1 } },
    ]) {
      assert.equal(readResult(input, body, { ...input, headers }, null).kind, 'invalid', JSON.stringify(headers));
    }
    assert.equal(readResult(input, body, { ...input, method: 'DELETE' }, null).kind, 'invalid');
    assert.equal(readResult(input, body, [input], null).kind, 'invalid');
  });
});
