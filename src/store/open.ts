import { PostgresStore } from './postgres/index.ts';
import { SqliteStore } from './sqlite/index.ts';
import { ThreadedSqliteStore } from './thread/threaded-store.ts';
import type { StoreRules } from './rules.ts';
import type { Store } from './store.ts';
import { parseStorageUrl, redactUrl } from './url.ts';

/** Settings of a PostgreSQL store; SQLite ignores them. */
export interface StoreOptions {
  poolSize?: number;
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Keep every table in this schema (tests use one per run). */
  schema?: string;
  /** Told when an idle pooled connection fails (the database restarted); the pool reconnects by itself. */
  onIdleError?: (err: Error) => void;
  /** `false`: only check that the database answers, leave its schema as it is (`sluice migrate --print`). */
  migrate?: boolean;
  /** SQLite: keep the connection on a thread of its own (the default), or `false` on the main thread. */
  sqliteThread?: boolean;
  /** Told when the SQLite store's thread ends while the store is open; every call fails from then on. */
  onThreadFailure?: (err: Error) => void;
}

/**
 * What opening a store needs beyond the URL: the domain's rules it applies
 * (`StoreRules`) and every PostgreSQL setting decided. The composition root
 * (`gateway/open-store.ts`) supplies them from `delivery/` and the config's
 * defaults, so this room imports neither.
 */
export interface StoreSetup extends StoreOptions {
  rules: StoreRules;
  poolSize: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  /**
   * The module the SQLite store's thread runs: a composition root that builds the
   * same rules and calls `serveSqliteStore` (functions do not cross threads).
   * Absent, or `sqliteThread: false`: the connection stays on the calling thread.
   */
  sqliteThreadModule?: URL;
}

/**
 * Opens the store a URL names (`sqlite:PATH`, `postgres://…`) and brings its
 * schema up to date (unless `migrate: false`). A bad URL or an unreachable database throws an Error whose
 * message says which and where (without the password).
 */
export async function connectStore(url: string, options: StoreSetup): Promise<Store> {
  const target = parseStorageUrl(url);
  if (target.kind === 'invalid') throw new Error(`storage URL: ${target.problem}`);
  let store: Store;
  if (target.kind === 'sqlite') {
    store =
      options.sqliteThreadModule && options.sqliteThread !== false
        ? await ThreadedSqliteStore.open(target.path, options.sqliteThreadModule, options.onThreadFailure ?? (() => undefined))
        : new SqliteStore(target.path, options.rules);
  } else {
    store = new PostgresStore(
      {
        url: target.url,
        poolSize: options.poolSize,
        statementTimeoutMs: options.statementTimeoutMs,
        connectTimeoutMs: options.connectTimeoutMs,
        schema: options.schema,
        onIdleError: options.onIdleError,
      },
      options.rules,
    );
  }
  try {
    if (options.migrate === false) await store.ping();
    else await store.migrate();
  } catch (err) {
    await store.close().catch(() => undefined);
    if (target.kind === 'sqlite') throw err;
    throw new Error(`cannot open PostgreSQL at ${redactUrl(url)}: ${describe(err)}`, { cause: err });
  }
  return store;
}

/** pg reports a refused connection as an AggregateError with an empty message (one error per address tried). */
function describe(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describe(err.errors[0]);
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const text = err.message || code || err.name;
    return err.cause && err.message.startsWith('migration ') ? `${text}: ${describe(err.cause)}` : text;
  }
  return String(err);
}
