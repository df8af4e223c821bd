import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { startNode, type Child } from '../../bench/lib/child.ts';
import { SLUICE_BIN } from '../helpers/cli.ts';
import { API_TOKEN } from '../helpers/gateway.ts';

/** The 5,000-message forms with `SCALE_FULL=1`; `npm test` runs smaller ones. */
export const FULL = process.env.SCALE_FULL === '1';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const SOURCE_SECRET = 'whsec_c2NhbGUtc291cmNlLXNlY3JldC0wMTIzNDU2Nzg5';
export const ENDPOINT_SECRET = 'whsec_c2NhbGUtZW5kcG9pbnQtc2VjcmV0LTAxMjM0NTY3';

/** Why the PostgreSQL tests cannot run here, or undefined. In CI they must run, so nothing is skipped there. */
export async function postgresSkip(url = DATABASE_URL): Promise<string | undefined> {
  if (process.env.CI === 'true') return undefined;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return undefined;
  } catch (err) {
    const e = err instanceof AggregateError ? (err.errors[0] as Error) : (err as Error);
    const why = `${url} is unreachable (${e.message || (e as NodeJS.ErrnoException).code})`;
    process.stderr.write(`scale tests: skipping PostgreSQL: ${why}\n`);
    return why;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs one statement on `url` with a short-lived connection. */
export async function sql(url: string, text: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

/** A new, empty database on the server `serverUrl` names; `drop` removes it even with connections left open. */
export async function freshDatabase(serverUrl = DATABASE_URL): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `sluice_scale_${process.pid}_${randomBytes(4).toString('hex')}`;
  await sql(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: async () => void (await sql(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
}

/**
 * A cluster config: source `std` feeding application `app`, whose one endpoint
 * is `receiverUrl`. A short lease grace, so a killed worker's leases come back
 * within seconds; an attempt timeout long enough that a busy machine's stalls
 * do not turn a successful answer into a timeout and a retry.
 */
export function clusterConfig(dir: string, storageUrl: string, receiverUrl: string, opts: { endpointConcurrency?: number } = {}): string {
  const file = join(dir, `sluice-${randomBytes(3).toString('hex')}.yaml`);
  writeFileSync(
    file,
    [
      `apiToken: ${API_TOKEN}`,
      'allowPrivateNetworks: true',
      'server: { host: 127.0.0.1, port: 0 }',
      `dataDir: "${dir}"`,
      `storage: { url: "${storageUrl}", poolSize: 6, connectTimeout: 1s, statementTimeout: 5s }`,
      'logLevel: error',
      // leaseGrace: short, so a killed worker's leases come back within seconds, yet above the event-loop stalls of a busy 2-core machine.
      'delivery: { concurrency: 24, leaseGrace: 2s, pollInterval: 200ms, shutdownGrace: 2s }',
      'applications:',
      '  app:',
      '    endpoints:',
      `      - { id: ep, url: "${receiverUrl}", secret: "${ENDPOINT_SECRET}", timeout: 5s, concurrency: ${opts.endpointConcurrency ?? 48}, retry: [200ms, 500ms, 1s, 1s, 2s, 2s, 5s] }`,
      'sources:',
      `  std: { provider: standard-webhooks, secrets: ["${SOURCE_SECRET}"], application: app }`,
      '',
    ].join('\n'),
  );
  return file;
}

export interface Node {
  child: Child;
  url: string;
  /** The worker's lease owner id, for roles that deliver. */
  owner: string | undefined;
}

/** `bin/sluice serve --role ROLE` as a child process; resolves once it listens. */
export async function startNodeWithRole(configFile: string, role: string, name = `sluice ${role}`): Promise<Node> {
  const child = startNode(name, SLUICE_BIN, ['serve', '--config', configFile, '--role', role], { tsx: false });
  const match = await child.waitFor(/Sluice listening on (http:\/\/[\d.]+:\d+)/, 60_000);
  const owner = role === 'all' || role === 'worker' ? (await child.waitFor(/delivery worker (w_[0-9a-f]+)/, 5000))[1] : undefined;
  return { child, url: match[1] as string, owner };
}

const hook = new Webhook(SOURCE_SECRET);

/** One signed message `n` to `/in/std`; resolves with the status and `Retry-After` (bounded by a 15 s timeout). */
export async function sendOne(ingestUrl: string, n: number): Promise<{ status: number; retryAfter: string | null }> {
  const id = `scale_${n}`;
  const body = JSON.stringify({ type: 'scale.test', n, pad: 'x'.repeat(64) });
  const at = new Date();
  const res = await fetch(`${ingestUrl}/in/std`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': hook.sign(id, at, body),
    },
    body,
    // Never hang: a request the gateway does not answer within this fails the test.
    signal: AbortSignal.timeout(15_000),
  });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

/** Sends messages `from … from+count-1` with `concurrency` senders; every one must be acknowledged. */
export async function sendAll(ingestUrl: string, from: number, count: number, concurrency = 16): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < from + count) {
        const n = next++;
        const { status } = await sendOne(ingestUrl, n);
        if (status !== 200) throw new Error(`message ${n}: ingest answered ${status}`);
      }
    }),
  );
}

/** The summed `sluice_delivery_attempts_total` of one process (the attempts its worker made). */
export async function deliveredBy(node: Node): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith('sluice_delivery_attempts_total{')) sum += Number(line.split(' ').pop());
  return sum;
}
