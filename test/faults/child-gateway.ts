import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { startSluice, type RunningSluice } from '../../bench/lib/sluice.ts';
import { API_TOKEN, eventually } from '../helpers/gateway.ts';
import type { Receiver } from '../helpers/receiver.ts';

/** Long forms with `FAULTS_FULL=1` (`npm run test:faults`); the short forms run inside `npm test`. */
export const FULL = process.env.FAULTS_FULL === '1';

export const SOURCE_SECRET = 'whsec_ZmF1bHRzLXNvdXJjZS1zZWNyZXQtMDEyMzQ1Njc4OQ==';
export const ENDPOINT_SECRET = 'whsec_ZmF1bHRzLWVuZHBvaW50LXNlY3JldC0wMTIzNDU2Nzg=';

/**
 * A gateway config for fault tests: source `std` (Standard Webhooks) feeding
 * application `app`, whose one endpoint is `receiverUrl`. `extra` is appended
 * under the endpoint (retry, timeout) and `top` at the top level.
 */
export function faultConfig(dir: string, receiverUrl: string, opts: { endpoint?: string; source?: string; top?: string } = {}): string {
  const text = [
    `apiToken: ${API_TOKEN}`,
    'allowPrivateNetworks: true',
    'server: { host: 127.0.0.1, port: 0 }',
    `dataDir: "${dir}"`,
    'logLevel: warn',
    opts.top ?? '',
    'applications:',
    '  app:',
    '    endpoints:',
    `      - { id: ep, url: "${receiverUrl}", secret: "${ENDPOINT_SECRET}"${opts.endpoint ? `, ${opts.endpoint}` : ''} }`,
    'sources:',
    `  std: { provider: standard-webhooks, secrets: ["${SOURCE_SECRET}"], application: app${opts.source ? `, ${opts.source}` : ''} }`,
    '',
  ].join('\n');
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, text);
  return file;
}

/** `bin/sluice serve` as a child process, the way an operator runs it. */
export function startChildGateway(configFile: string, nodeArgs?: string[]): Promise<RunningSluice> {
  return startSluice(configFile, { name: 'sluice (fault test)', nodeArgs });
}

const sourceHook = new Webhook(SOURCE_SECRET);

/** Standard Webhooks headers for `body`, made by the `standardwebhooks` package (UTF-8 bodies only). */
export function signedHeaders(id: string, body: string | Buffer, at = new Date()): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': sourceHook.sign(id, at, body),
  };
}

/** POSTs a signed body to source `std`, as a provider would; resolves with the status once the answer is read. */
export async function postSigned(baseUrl: string, id: string, payload: Buffer): Promise<number> {
  const res = await fetch(`${baseUrl}/in/std`, {
    method: 'POST',
    headers: signedHeaders(id, payload),
    body: new Uint8Array(payload),
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Reads one JSON page after another from the API (Svix-style iterator) until done or `maxPages`. */
export async function listAll<T>(baseUrl: string, path: string, maxPages = 1000): Promise<T[]> {
  const out: T[] = [];
  let iterator: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await fetch(`${baseUrl}/api/v1${path}${sep}limit=250${iterator ? `&iterator=${iterator}` : ''}`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { data: T[]; iterator: string | null; done: boolean };
    out.push(...body.data);
    if (body.done || body.data.length === 0) return out;
    iterator = body.iterator;
  }
  throw new Error(`GET ${path}: more than ${maxPages} pages`);
}

/** A body with random bytes and multi-byte UTF-8, so truncation or re-encoding shows in the hash. */
export function crashBody(n: number): Buffer {
  const data = randomBytes(50 + Math.floor(Math.random() * 3000)).toString('base64');
  return Buffer.from(JSON.stringify({ type: 'crash.test', n, text: 'héllo wörld ✓ 漢字 🚀', data }));
}

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Waits until the receiver has got a body with each of `hashes` (SHA-256 of
 * the exact bytes); returns the hashes of every body it received.
 */
export async function waitForBodies(receiver: Receiver, hashes: Iterable<string>, timeoutMs: number): Promise<Set<string>> {
  const wanted = [...hashes];
  const received = new Set<string>();
  let scanned = 0;
  await eventually(
    () => {
      for (; scanned < receiver.requests.length; scanned++) received.add(sha256((receiver.requests[scanned] as { body: Buffer }).body));
      return wanted.every((h) => received.has(h)) ? true : undefined;
    },
    timeoutMs,
    `all ${wanted.length} acknowledged messages delivered`,
  );
  return received;
}
