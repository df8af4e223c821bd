import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaults } from '../config/defaults.ts';
import { storeRules } from '../delivery/store-rules.ts';
import { connectStore, type StoreOptions } from '../store/open.ts';
import type { Store } from '../store/store.ts';

export type { StoreOptions } from '../store/open.ts';

/** The SQLite store thread's entry beside this file: `.ts` from the sources, `.js` in a build. */
const threadModule = new URL(`./store-thread${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * Opens the store a URL names (`sqlite:PATH`, `postgres://…`) with the
 * delivery rules and the config's defaults, and brings its schema up to date
 * (unless `migrate: false`). A bad URL or an unreachable database throws an
 * Error whose message says which and where (without the password).
 */
export function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  return connectStore(url, {
    ...options,
    rules: storeRules,
    poolSize: options.poolSize ?? defaults.storagePoolSize,
    statementTimeoutMs: options.statementTimeoutMs ?? defaults.storageStatementTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? defaults.storageConnectTimeoutMs,
    sqliteThread: options.sqliteThread ?? defaults.sqliteThread,
    sqliteThreadModule: threadModule,
  });
}
