/**
 * Cost of one transformation call in the sandbox Sluice uses (QuickJS, a fresh
 * runtime per call): the engine's start, the first call, and calls after that.
 * `node --import tsx bench/transform.ts [calls]`; docs/transformations.md has the numbers.
 */
import { loadEngine, runInSandbox } from '../src/transform/sandbox.ts';

const calls = Number(process.argv[2] ?? 500);
const limits = { timeoutMs: 1000, memoryBytes: 16 * 1024 * 1024 };
const code = `(webhook) => { webhook.payload = { kind: webhook.eventType, id: webhook.payload.data.id, n: webhook.payload.data.items.length };
  webhook.headers['x-shaped'] = '1'; return webhook; }`;
const input = {
  method: 'POST',
  url: 'https://example.com/hook',
  headers: { 'x-a': 'b' },
  eventType: 'invoice.paid',
  payload: { data: { id: 'in_1', items: Array.from({ length: 50 }, (_, i) => ({ i, name: `item ${i}` })) } },
};
const ms = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e6;

let t = process.hrtime.bigint();
await loadEngine(limits.memoryBytes);
const start = ms(t);
t = process.hrtime.bigint();
await runInSandbox(code, input, limits);
const first = ms(t);
t = process.hrtime.bigint();
for (let i = 0; i < calls; i++) await runInSandbox(code, input, limits);
const warm = ms(t) / calls;
console.log(
  JSON.stringify({
    engineStartMs: +start.toFixed(1),
    firstCallMs: +first.toFixed(2),
    warmCallMs: +warm.toFixed(3),
    callsPerSecond: Math.round(1000 / warm),
    rssMiB: Math.round(process.memoryUsage().rss / 1048576),
  }),
);
