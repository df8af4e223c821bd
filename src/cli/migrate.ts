import { existsSync } from 'node:fs';
import { defaults } from '../config/defaults.ts';
import { loadConfig } from '../gateway/config.ts';
import { ConfigError } from '../errors.ts';
import { openStore, type StoreOptions } from '../gateway/open-store.ts';
import type { Store } from '../store/store.ts';
import { redactUrl } from '../store/url.ts';

const USAGE = 'usage: sluice migrate [--print] [--config FILE] [--database-url URL]';

export interface MigrateOptions {
  print?: boolean;
  config?: string;
  databaseUrl?: string;
}

/** Where to migrate: a URL given directly, or the config's `storage` (with its pool settings). */
export async function storageFromOptions(
  opts: { config?: string; databaseUrl?: string },
  env: Record<string, string | undefined> = process.env,
): Promise<{ url: string; options: StoreOptions }> {
  const direct = opts.databaseUrl ?? (env.SLUICE_DATABASE_URL || undefined);
  // A DBA may hold only the URL, not the gateway's config (which needs an API token and more).
  if (direct !== undefined && opts.config === undefined) {
    return { url: direct, options: { connectTimeoutMs: defaults.storageConnectTimeoutMs, poolSize: 2 } };
  }
  const file = opts.config ?? 'sluice.yaml';
  if (opts.config === undefined && !existsSync(file)) {
    throw new ConfigError(['no database named: pass --database-url URL, set SLUICE_DATABASE_URL, or --config FILE']);
  }
  const config = await loadConfig(file, { databaseUrl: opts.databaseUrl }, env);
  return { url: config.storageUrl, options: { ...config.storage, poolSize: 2 } };
}

/**
 * `sluice migrate`: applies pending migrations (what `serve` does at start,
 * under the same advisory lock), or with `--print` writes their SQL to stdout
 * for a DBA to review or run, changing nothing. Resolves with the exit code.
 */
export async function migrate(opts: MigrateOptions): Promise<number> {
  let target: { url: string; options: StoreOptions };
  try {
    target = await storageFromOptions(opts);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sluice: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  let store: Store;
  try {
    store = await openStore(target.url, { ...target.options, migrate: false });
  } catch (err) {
    process.stderr.write(`sluice: ${(err as Error).message}\n`);
    return 2;
  }
  const where = redactUrl(target.url);
  try {
    const pending = await store.pendingMigrations();
    if (opts.print) {
      process.stdout.write(
        pending.length === 0
          ? `-- ${where}: no pending migrations\n`
          : `-- ${where}: ${pending.length} pending migration(s); each block runs in its own transaction\n\n${pending.map((m) => `-- ${m.file}\n${m.sql}\n`).join('\n')}`,
      );
      return 0;
    }
    await store.migrate();
    const left = new Set((await store.pendingMigrations()).map((m) => m.file));
    const applied = pending.filter((m) => !left.has(m.file)).map((m) => m.file);
    process.stderr.write(applied.length === 0 ? `sluice: ${where} is up to date\n` : `sluice: applied ${applied.join(', ')} to ${where}\n`);
    return left.size === 0 ? 0 : 1;
  } catch (err) {
    const cause = (err as Error).cause instanceof Error ? `: ${((err as Error).cause as Error).message}` : '';
    process.stderr.write(`sluice: migrate failed on ${where}: ${(err as Error).message}${cause}\n`);
    return 1;
  } finally {
    await store.close();
  }
}
