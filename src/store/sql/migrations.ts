import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PendingMigration } from '../store.ts';

/** The numbered SQL files of a dialect's migrations folder, in order (also what `sluice migrate --print` shows). */
export function readMigrations(dir: string): PendingMigration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 3)), file, sql: readFileSync(join(dir, file), 'utf8') }));
}

/** How a database spells what a hand-run script does around a migration. */
export interface ScriptWords {
  /** The statement creating `schema_migrations` if it is missing. */
  createTable: string;
  begin: string;
  /** The current time in epoch milliseconds, as an SQL expression. */
  now: string;
}

/**
 * The migrations not applied yet, each as a script a DBA can run by hand
 * (`sluice migrate --print`): its own transaction, recording itself in
 * `schema_migrations` the way `migrate` does, so Sluice skips it afterwards.
 */
export function pendingScripts(all: PendingMigration[], done: Set<number>, words: ScriptWords): PendingMigration[] {
  return all
    .filter((m) => !done.has(m.version))
    .map((m, i) => ({
      ...m,
      sql: [
        ...(i === 0 ? [`${words.createTable};`] : []),
        `${words.begin};`,
        m.sql.trimEnd(),
        `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, '${m.file}', ${words.now});`,
        'COMMIT;',
      ].join('\n'),
    }));
}
