import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row } from '../columns.ts';
import { pendingScripts, readMigrations } from '../sql/migrations.ts';
import type { PendingMigration } from '../store.ts';

export type { Row } from '../columns.ts';
export { json } from '../sql/op.ts';
type Statement = Database.Statement<unknown[], Row>;

/**
 * One SQLite connection with a statement cache. Sluice is the only writer of
 * its file: the connection holds an exclusive lock for its lifetime, which is
 * what lets a restarted process take back every lease at once.
 */
export class SqliteDb {
  private readonly statements = new Map<string, Statement>();
  private syncMode: 'FULL' | 'NORMAL' = 'FULL';

  constructor(readonly raw: Database.Database) {}

  static open(path: string): SqliteDb {
    // The database holds secrets and payloads: a directory created here is the owner's alone, and so is the file.
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const raw = new Database(path, { timeout: 2000 });
    if (path !== ':memory:') privateFiles(path);
    // EXCLUSIVE before WAL: no shared-memory index is needed, and a second
    // process on the same file fails at start instead of corrupting leases.
    try {
      raw.pragma('locking_mode = EXCLUSIVE');
      raw.pragma('journal_mode = WAL');
      raw.pragma('synchronous = FULL');
      raw.pragma('temp_store = MEMORY');
      raw.pragma('cache_size = -16384');
      raw.exec('BEGIN IMMEDIATE; COMMIT;');
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') {
        raw.close();
        throw err;
      }
      raw.close();
      throw new Error(`${path} is in use by another Sluice process (SQLite is single-process; use PostgreSQL to run several)`, {
        cause: err,
      });
    }
    privateFiles(path);
    return new SqliteDb(raw);
  }

  stmt(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.raw.prepare(sql) as Statement;
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `fn` in one transaction. `durable` commits with an fsync of the WAL
   * (synchronous=FULL): ingest uses it, because a 2xx promises the message
   * survives power loss. Bookkeeping (leases, attempts) commits with NORMAL:
   * still safe against a crashed process, and at worst repeats a delivery after
   * a power cut, which at-least-once allows; the next durable commit syncs it too.
   */
  tx<T>(durable: boolean, fn: () => T): T {
    const mode = durable ? 'FULL' : 'NORMAL';
    if (mode !== this.syncMode) {
      this.raw.pragma(`synchronous = ${mode}`);
      this.syncMode = mode;
    }
    return this.raw.transaction(fn).immediate();
  }

  migrate(): void {
    this.raw.exec(MIGRATIONS_TABLE);
    const applied = new Set((this.raw.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => r.version as number));
    for (const { version, file, sql } of readMigrations(migrationsDir)) {
      if (applied.has(version)) continue;
      this.tx(true, () => {
        this.raw.exec(sql);
        this.raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(version, file, Date.now());
      });
    }
  }

  /** See `pendingScripts`. */
  pendingMigrations(): PendingMigration[] {
    const present = this.raw.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get() !== undefined;
    const done = new Set(
      present ? (this.raw.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => Number(r.version)) : [],
    );
    return pendingScripts(readMigrations(migrationsDir), done, {
      createTable: MIGRATIONS_TABLE,
      begin: 'BEGIN IMMEDIATE',
      now: `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`,
    });
  }

  close(): void {
    this.statements.clear();
    this.raw.close();
  }
}

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
const MIGRATIONS_TABLE =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)';

/** The database file and its journal: readable and writable by the owner only (0600), whatever the umask. */
function privateFiles(path: string): void {
  if (path === ':memory:') return;
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}
