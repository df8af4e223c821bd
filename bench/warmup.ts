/**
 * `node --import tsx bench/warmup.ts [--requests N] [--rounds N] [--from-source]`:
 * is the first second of traffic slower than the rest? Starts a fresh Sluice
 * (compiled build, fresh SQLite store, one endpoint: a receiver in this
 * process answering 204) per round, sends 2 × N signed requests one after the
 * other on one keep-alive connection as soon as it listens, and compares the
 * latency of the first N acknowledgements with that of the next N.
 * The client warms itself first (one request to a server of its own), so its
 * own first-request costs are not counted as Sluice's. Prints one JSON line per
 * round and a summary; all traffic stays on 127.0.0.1.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { PayloadFactory } from './lib/payload.ts';
import { SOURCE, startSluice, writeConfig } from './lib/sluice.ts';
import { preciseNow, round, summarize, type LatencySummary } from './lib/stats.ts';

interface Round {
  firstRequestMs: number;
  /** Mean of the first ten: where one-time costs show. */
  firstTenMeanMs: number;
  first: LatencySummary;
  next: LatencySummary;
}

/** The endpoint's receiver; the client's first request goes to it too (undici's parser is compiled on its first connection). */
async function startReceiver(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const pool = new Pool(new URL(url).origin, { connections: 1 });
  const { body, headers } = new PayloadFactory(1024).make('client_warm');
  await (await pool.request({ path: '/hook', method: 'POST', headers, body })).body.dump();
  await pool.close();
  return {
    url,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

async function oneRound(requests: number, bodySize: number, endpoint: string): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-warmup-'));
  const sluice = await startSluice(
    writeConfig({ dir, storageUrl: `sqlite:${join(dir, 'sluice.db')}`, endpoints: [endpoint], logLevel: 'warn' }),
    { name: 'sluice (warm-up check)' },
  );
  const pool = new Pool(sluice.url, { connections: 1, pipelining: 1, keepAliveTimeout: 30_000 });
  const factory = new PayloadFactory(bodySize);
  const times: number[] = [];
  try {
    for (let i = 0; i < 2 * requests; i++) {
      const { body, headers } = factory.make(`warm_${i}`);
      const t0 = preciseNow();
      const res = await pool.request({ path: `/in/${SOURCE}`, method: 'POST', headers, body });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`request ${i} answered ${res.statusCode}`);
      times.push(preciseNow() - t0);
    }
  } finally {
    await pool.close();
    await sluice.child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const firstTen = times.slice(0, 10);
  return {
    firstRequestMs: round(times[0] as number),
    firstTenMeanMs: round(firstTen.reduce((a, b) => a + b, 0) / firstTen.length),
    first: summarize(times.slice(0, requests)),
    next: summarize(times.slice(requests)),
  };
}

const { values } = parseArgs({
  options: {
    requests: { type: 'string' },
    rounds: { type: 'string' },
    'body-size': { type: 'string' },
    'from-source': { type: 'boolean' },
  },
});
const requests = Number(values.requests ?? 1000);
const rounds = Number(values.rounds ?? 3);
if (values['from-source']) process.env.SLUICE_FROM_SOURCE = '1';
else if (spawnSync(process.execPath, ['bin/build.mjs'], { stdio: 'inherit' }).status !== 0) throw new Error('building dist/ failed');

const receiver = await startReceiver();
const results: Round[] = [];
try {
  for (let r = 0; r < rounds; r++) {
    const result = await oneRound(requests, Number(values['body-size'] ?? 1024), receiver.url);
    results.push(result);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
} finally {
  await receiver.close();
}
const median = (xs: number[]): number => round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number);
const pick = (f: (r: Round) => number): number => median(results.map(f));
process.stdout.write(
  `median of ${rounds} rounds: first request ${pick((r) => r.firstRequestMs)} ms, first ten ${pick((r) => r.firstTenMeanMs)} ms on average; ` +
    `first ${requests}: mean ${pick((r) => r.first.mean)} ms, p50 ${pick((r) => r.first.p50)}, p99 ${pick((r) => r.first.p99)}, max ${pick((r) => r.first.max)}; ` +
    `next ${requests}: mean ${pick((r) => r.next.mean)} ms, p50 ${pick((r) => r.next.p50)}, p99 ${pick((r) => r.next.p99)}, max ${pick((r) => r.next.max)}; ` +
    `mean ratio ${round(pick((r) => r.first.mean / r.next.mean))}×\n`,
);
