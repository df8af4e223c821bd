import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ApplicationConfig, EndpointConfig } from '../../src/config/types.ts';
import { openStore } from '../../src/gateway/open-store.ts';
import type { LeaseOptions, NewMessage, Store } from '../../src/store/store.ts';

/** The PostgreSQL server the suite runs against (trust auth on loopback). */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const inCi = process.env.CI === 'true';

export interface OpenedStore {
  store: Store;
  /** Another store on the same database, with its own connections (PostgreSQL only). */
  another(): Promise<Store>;
  /** A plain connection to the test schema, for checks the Store interface does not offer (PostgreSQL only). */
  sql(text: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
}

export interface StoreTarget {
  name: 'sqlite' | 'postgres';
  /** Why this store's cases are skipped; `false` when they run. */
  skip: string | false;
  /** Runs `fn` on a fresh, empty store and removes every trace of it afterwards. */
  with(fn: (opened: OpenedStore) => Promise<void>): Promise<void>;
}

/** The stores to test: both, or the one `SLUICE_STORE` names. */
export async function storeTargets(): Promise<StoreTarget[]> {
  const only = process.env.SLUICE_STORE;
  if (only !== undefined && only !== 'sqlite' && only !== 'postgres') {
    throw new Error(`SLUICE_STORE must be sqlite or postgres (got "${only}")`);
  }
  const targets: StoreTarget[] = [];
  if (only !== 'postgres') targets.push({ name: 'sqlite', skip: false, with: withSqlite });
  if (only !== 'sqlite') {
    // In CI the PostgreSQL cases must run: an unreachable server fails them instead of skipping them.
    const unreachable = inCi ? undefined : await probe(DATABASE_URL);
    if (unreachable) process.stderr.write(`store conformance: skipping PostgreSQL: ${unreachable}\n`);
    targets.push({ name: 'postgres', skip: unreachable ?? false, with: withPostgres });
  }
  return targets;
}

async function probe(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    const e = err instanceof AggregateError ? (err.errors[0] as Error) : (err as Error);
    return `${url} is unreachable (${e.message || (e as NodeJS.ErrnoException).code}); set DATABASE_URL or CI=true to insist`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The SQLite store as a gateway opens it (its connection on a thread of its own), or `{ sqliteThread: false }` on this thread. */
export function sqliteTarget(options: { sqliteThread?: boolean } = {}): StoreTarget {
  return { name: 'sqlite', skip: false, with: (fn) => withSqlite(fn, options) };
}

async function withSqlite(fn: (opened: OpenedStore) => Promise<void>, options: { sqliteThread?: boolean } = {}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-store-'));
  const store = await openStore(`sqlite:${join(dir, 'sluice.db')}`, options);
  const unsupported = (): never => {
    throw new Error('SQLite is single-process: one store per file');
  };
  try {
    await fn({ store, another: async () => unsupported(), sql: async () => unsupported() });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withPostgres(fn: (opened: OpenedStore) => Promise<void>): Promise<void> {
  const schema = `sluice_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` });
  await admin.connect();
  const stores: Store[] = [];
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    const open = async (): Promise<Store> => {
      const store = await openStore(DATABASE_URL, { schema, poolSize: 4 });
      stores.push(store);
      return store;
    };
    const store = await open();
    await fn({ store, another: open, sql: async (text, params = []) => (await admin.query(text, params)).rows });
  } finally {
    for (const store of stores) await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

/** An endpoint as the config declares it; `over` changes what a case cares about. */
export function endpoint(uid: string, over: Partial<EndpointConfig> = {}): EndpointConfig {
  return {
    uid,
    url: `http://127.0.0.1:9/${uid}`,
    description: '',
    secret: undefined,
    filterTypes: null,
    retryScheduleMs: null,
    timeoutMs: null,
    concurrency: null,
    headers: {},
    disabled: false,
    ...over,
  };
}

export function application(uid: string, endpoints: EndpointConfig[]): ApplicationConfig {
  return { uid, name: `App ${uid}`, endpoints };
}

export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** A message ready to ingest; `over` changes what a case cares about. */
export function message(appId: string, over: Partial<NewMessage> = {}): NewMessage {
  return {
    appId,
    source: 'test',
    eventType: 'invoice.paid',
    eventId: null,
    orderingKey: null,
    sequence: null,
    payload: Buffer.from(JSON.stringify({ n: randomBytes(4).toString('hex') })),
    contentType: 'application/json',
    headers: {},
    channels: null,
    state: 'accepted',
    error: null,
    dedupeScope: 'test',
    dedupeUntil: null,
    ...over,
  };
}

/** Lease options with the defaults a case does not care about. */
export function leaseOptions(owner: string, now: number, over: Partial<LeaseOptions> = {}): LeaseOptions {
  return { owner, now, limit: 100, defaultTimeoutMs: 1000, defaultConcurrency: 100, leaseGraceMs: 500, ...over };
}

/** The id of a stored message, failing the case when the outcome is anything else. */
export function stored(outcome: Awaited<ReturnType<Store['ingest']>>[number]): { messageId: string; deliveries: number } {
  if ('error' in outcome) throw outcome.error;
  if (outcome.duplicate) throw new Error(`expected a new message, got a duplicate of ${outcome.messageId}`);
  return outcome;
}
