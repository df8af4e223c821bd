import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Row } from '../columns.ts';
import { pendingScripts, readMigrations } from '../sql/migrations.ts';
import type { PendingMigration } from '../store.ts';
import { dueChannel } from './channels.ts';

export type { Row } from '../columns.ts';
export { json } from '../sql/op.ts';

/** How to reach the database and how the pool behaves. */
export interface PgOptions {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  /** Put every table in this schema (`search_path`), e.g. one per test run. */
  schema?: string;
  /** Told about errors of idle pooled connections (PostgreSQL restarted, network cut). */
  onIdleError?: (err: Error) => void;
}

/** The pool (each statement on its own) or one transaction's connection. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Like `query`, for statements whose affected-row count is the answer. */
  run(sql: string, params?: unknown[]): Promise<number>;
}

/** A connection checked out of the pool for the length of one transaction. */
export type Tx = Queryable;

/**
 * A pool of PostgreSQL connections. Unlike SQLite, many Sluice processes share
 * the database, so nothing here may assume it is alone: every lease and
 * migration decision is made under a row or advisory lock.
 */
export class PgDb implements Queryable {
  readonly pool: pg.Pool;
  /** Where commits that make deliveries due notify listening workers. */
  readonly dueChannel: string;

  constructor(readonly options: PgOptions) {
    if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
      throw new Error(`"${options.schema}" is not a plain lower-case schema name`);
    }
    this.dueChannel = dueChannel(options);
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize,
      statement_timeout: options.statementTimeoutMs,
      // The server's statement_timeout cannot fire when the server is gone without closing the socket (a cut
      // network, a frozen host): this client-side bound keeps a query, and the ingest request behind it, from hanging.
      query_timeout: options.statementTimeoutMs + options.connectTimeoutMs,
      // Also bounds the wait for a free pooled connection, so a saturated pool answers 503 instead of queueing forever.
      connectionTimeoutMillis: options.connectTimeoutMs,
      // The search_path travels in the startup packet, so every pooled connection gets it before its first query.
      options: options.schema !== undefined ? `-c search_path=${options.schema}` : undefined,
      application_name: 'sluice',
    });
    // Without a listener an idle connection's error (the server restarted) would crash the process; the pool
    // already drops that connection and the next checkout opens a fresh one, so reporting it is enough.
    this.pool.on('error', (err) => options.onIdleError?.(err));
  }

  /** One statement on any free connection (autocommit). */
  async query(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query<Row>(sql, params)).rows;
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.pool.query(sql, params)).rowCount ?? 0;
  }

  /**
   * Runs `fn` in one transaction on one connection. Commits wait for the WAL
   * flush (`synchronous_commit = on`, set per transaction so a server default of
   * `off` cannot weaken the durable ack). A connection whose rollback fails is
   * destroyed rather than returned to the pool in an unknown state.
   */
  async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: Tx = {
      query: async (sql, params = []) => (await client.query<Row>(sql, params)).rows,
      run: async (sql, params = []) => (await client.query(sql, params)).rowCount ?? 0,
    };
    let broken: Error | undefined;
    // pg-pool drops its error listener while a client is checked out, and pg emits 'error' on a reset
    // socket even when the running query already rejects: without this the process dies on a database restart.
    const onError = (err: Error): void => {
      broken ??= err;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL synchronous_commit = on');
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      // After a client-side timeout the server may be unreachable: a ROLLBACK would wait out a second timeout
      // before failing, doubling how long the request behind it waits. Destroying the connection rolls back too.
      if ((err as Error).message === 'Query read timeout') broken ??= err as Error;
      if (!broken) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          broken = rollbackErr as Error;
        }
      }
      throw err;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  /**
   * Applies pending migrations under a session advisory lock, so processes that
   * start together wait for the first one instead of racing it; each file runs
   * in its own transaction with its row in `schema_migrations`.
   */
  async migrate(): Promise<number> {
    const client = await this.pool.connect();
    let applied = 0;
    let broken: Error | undefined;
    try {
      await client.query(`SELECT pg_advisory_lock(${MIGRATE_LOCK_CLASS}, hashtext(current_schema()))`);
      try {
        await client.query(MIGRATIONS_TABLE);
        const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
        for (const { version, file, sql } of readMigrations(migrationsDir)) {
          if (done.has(version)) continue;
          try {
            await client.query('BEGIN');
            await client.query(sql);
            await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
              version,
              file,
              Date.now(),
            ]);
            await client.query('COMMIT');
            applied++;
          } catch (err) {
            await client.query('ROLLBACK').catch((e: Error) => (broken = e));
            throw new Error(`migration ${file} failed`, { cause: err });
          }
        }
      } finally {
        await client
          .query(`SELECT pg_advisory_unlock(${MIGRATE_LOCK_CLASS}, hashtext(current_schema()))`)
          .catch((e: Error) => (broken = e));
      }
    } finally {
      client.release(broken);
    }
    return applied;
  }

  /** See `pendingScripts`. */
  async pendingMigrations(): Promise<PendingMigration[]> {
    const [table] = await this.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
    const done = new Set(
      table?.present === true ? (await this.query('SELECT version FROM schema_migrations')).map((r) => Number(r.version)) : [],
    );
    return pendingScripts(readMigrations(migrationsDir), done, {
      createTable: MIGRATIONS_TABLE,
      begin: 'BEGIN',
      now: '(extract(epoch FROM clock_timestamp()) * 1000)::bigint',
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** First key of Sluice's two-key advisory locks: which kind of lock (the second key says on what). */
const MIGRATE_LOCK_CLASS = 0x51c1;
export const ENDPOINT_LOCK_CLASS = 0x51c2;

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
const MIGRATIONS_TABLE =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)';
