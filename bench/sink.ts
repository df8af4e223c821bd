/**
 * The loopback sink Sluice delivers to, in its own process:
 * `node --import tsx bench/sink.ts <ports>` listens on <ports> consecutive free
 * ports (fan-out needs many endpoints) and prints `READY <control> <p1,p2,…>`.
 * It reads each body, answers 200, and records when it arrived against the
 * body's `sentAt`. The control port answers `GET /stats`, `GET /count` and
 * `POST /reset`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readSentAt } from './lib/payload.ts';
import { Samples, preciseNow, summarize, type LatencySummary } from './lib/stats.ts';

export interface SinkStats {
  /** Requests received since the last reset. */
  count: number;
  /** Distinct `webhook-id`s (Sluice's message ids) since the last reset. */
  messages: number;
  /** Messages that reached every port at least once (fan-out), with the time from send to the last one. */
  complete: number;
  completeLatencyMs: LatencySummary;
  /** Send-to-arrival of every request whose body carries `sentAt`. */
  latencyMs: LatencySummary;
  /** Requests per 100 ms bucket: `[bucketStartEpochMs, count]`. */
  timeline: Array<[number, number]>;
  firstAt: number | null;
  lastAt: number | null;
}

const BUCKET_MS = 100;
const portCount = Math.max(1, Number(process.argv[2] ?? 1));

let latencies = new Samples();
let completeLatencies = new Samples();
let perMessage = new Map<string, number>();
let timeline = new Map<number, number>();
let count = 0;
let complete = 0;
let firstAt: number | null = null;
let lastAt: number | null = null;

function record(req: IncomingMessage, body: Buffer): void {
  const at = preciseNow();
  count++;
  firstAt ??= at;
  lastAt = at;
  const bucket = Math.floor(at / BUCKET_MS) * BUCKET_MS;
  timeline.set(bucket, (timeline.get(bucket) ?? 0) + 1);
  const sentAt = readSentAt(body);
  if (sentAt !== undefined) latencies.push(at - sentAt);
  const id = req.headers['webhook-id'];
  if (typeof id === 'string') {
    const seen = (perMessage.get(id) ?? 0) + 1;
    perMessage.set(id, seen);
    if (seen === portCount) {
      complete++;
      if (sentAt !== undefined) completeLatencies.push(at - sentAt);
    }
  }
}

function onHook(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    record(req, Buffer.concat(chunks));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' });
    res.end('{}');
  });
}

function stats(): SinkStats {
  return {
    count,
    messages: perMessage.size,
    complete,
    completeLatencyMs: summarize(completeLatencies.values()),
    latencyMs: summarize(latencies.values()),
    timeline: [...timeline.entries()].sort((a, b) => a[0] - b[0]),
    firstAt,
    lastAt,
  };
}

function reset(): void {
  latencies = new Samples();
  completeLatencies = new Samples();
  perMessage = new Map();
  timeline = new Map();
  count = complete = 0;
  firstAt = lastAt = null;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

const hookPorts: number[] = [];
for (let i = 0; i < portCount; i++) {
  const server = createServer(onHook);
  server.keepAliveTimeout = 60_000;
  hookPorts.push(await listen(server));
}
const control = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/reset') reset();
  // /count is what pollers ask for: cheap, no sorting of latency samples.
  const answer = req.url === '/stats' ? stats() : req.url === '/count' ? { count, messages: perMessage.size, complete } : { ok: true };
  const body = JSON.stringify(answer);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
});
const controlPort = await listen(control);
process.stdout.write(`READY ${controlPort} ${hookPorts.join(',')}\n`);
