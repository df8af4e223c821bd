import { defaults } from '../config/defaults.ts';
import { storeRules } from '../delivery/store-rules.ts';
import { copySqliteToPostgres } from '../store/migrate-data.ts';
import { redactUrl } from '../store/url.ts';

const USAGE = 'usage: sluice migrate-data --from sqlite:PATH --to postgres://user:password@host:5432/db';

/**
 * `sluice migrate-data`: moves a single-machine installation to PostgreSQL.
 * The SQLite gateway must be stopped (its file is locked while it runs); the
 * PostgreSQL database must be empty. Resolves with the exit code.
 */
export async function migrateData(opts: { from?: string; to?: string }): Promise<number> {
  if (!opts.from || !opts.to) {
    process.stderr.write(`sluice: migrate-data needs --from and --to\n${USAGE}\n`);
    return 2;
  }
  try {
    const report = await copySqliteToPostgres(opts.from, opts.to, {
      connectTimeoutMs: defaults.storageConnectTimeoutMs,
      rules: storeRules,
      // Large batches on a big file: a generous bound, still not forever.
      statementTimeoutMs: 10 * 60_000,
      progress: (table, copied, total) => {
        if (process.stderr.isTTY) process.stderr.write(`\r  ${table}: ${copied}/${total}   `);
      },
    });
    if (process.stderr.isTTY) process.stderr.write('\r');
    for (const { table, rows } of report) process.stdout.write(`${table}\t${rows}\n`);
    process.stderr.write(`sluice: copied ${opts.from} to ${redactUrl(opts.to)}; start Sluice with storage.url set to it\n`);
    return 0;
  } catch (err) {
    const message = (err as Error).message;
    process.stderr.write(`sluice: migrate-data: ${message}\n`);
    // Wrong arguments, an unreachable or non-empty target, a file in use: the operator's to fix.
    return /^(--from|--to|cannot open|the two schemas|.* already holds data|table |PostgreSQL table )/.test(message) ? 2 : 1;
  }
}
