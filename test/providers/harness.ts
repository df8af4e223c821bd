import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/gateway/config.ts';
import { startGateway, type Gateway } from '../../src/gateway/gateway.ts';
import type { Message } from '../../src/store/records.ts';

export interface Sent {
  status: number;
  contentType: string | null;
  text: string;
  json: unknown;
}

/** A real gateway on loopback with the given sources, all feeding application `app`. */
export interface Harness {
  gateway: Gateway;
  url(source: string, query?: string): string;
  post(source: string, body: string, headers: Record<string, string>, query?: string): Promise<Sent>;
  message(id: string): Promise<Message>;
  stop(): Promise<void>;
}

export async function startHarness(sources: Record<string, Record<string, unknown>>, top: Record<string, unknown> = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-providers-'));
  const doc = {
    apiToken: 'test-token-0123456789',
    server: { host: '127.0.0.1', port: 0 },
    dataDir,
    logLevel: 'silent',
    ...top,
    applications: { app: { endpoints: [] } },
    sources: Object.fromEntries(Object.entries(sources).map(([name, s]) => [name, { application: 'app', ...s }])),
  };
  // YAML is a superset of JSON, so the config goes through the same loader as a file.
  const config = parseConfig(JSON.stringify(doc), 'test.yaml', {}, {});
  const gateway = await startGateway(config);
  const appId = gateway.sources[0]?.appId as string;
  const url = (source: string, query = ''): string => `${gateway.url}/in/${source}${query}`;
  return {
    gateway,
    url,
    async post(source, body, headers, query) {
      const res = await fetch(url(source, query), { method: 'POST', body, headers });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, contentType: res.headers.get('content-type'), text, json };
    },
    async message(id) {
      const message = await gateway.store.getMessage(appId, id);
      assert.ok(message, `message ${id} is stored`);
      return message;
    },
    async stop() {
      await gateway.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Asserts a 200 that stored one message, and that its extracted fields are the expected ones. */
export async function assertStored(
  h: Harness,
  sent: Sent,
  expected: { eventId?: string | null; eventType?: string | null; sequence?: number | null; orderingKey?: string | null },
): Promise<Message> {
  assert.equal(sent.status, 200, `expected 200, got ${sent.status}: ${sent.text}`);
  const id = (sent.json as { id?: string }).id;
  assert.ok(id, 'reply names the stored message');
  const message = await h.message(id);
  for (const [key, value] of Object.entries(expected)) assert.deepEqual(message[key as keyof Message], value, key);
  return message;
}

export function assertRejected(sent: Sent, reasonPart?: RegExp): void {
  assert.equal(sent.status, 401, `expected 401, got ${sent.status}: ${sent.text}`);
  const body = sent.json as { error?: string; reason?: string };
  assert.equal(body.error, 'signature_invalid');
  if (reasonPart) assert.match(body.reason ?? '', reasonPart);
}

export const nowSec = (): number => Math.floor(Date.now() / 1000);
