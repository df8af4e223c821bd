import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { ConfigChecks } from './checks.ts';
import { ConfigError } from './config-error.ts';
import { interpolate } from './interpolate.ts';
import type { Config } from './types.ts';
import { validateConfig } from './validate.ts';

/** Values given on the command line; each wins over the environment and the file. */
export interface ConfigFlags {
  port?: number;
  host?: string;
  dataDir?: string;
  databaseUrl?: string;
}

/** How to load: the checks that take other rooms' knowledge (required), the flags and the environment. */
export interface LoadOptions {
  checks: ConfigChecks;
  flags?: ConfigFlags;
  /** Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
}

/** Environment variables that override a key of the file: `SLUICE_*` → key path. */
const envOverrides: Array<[env: string, path: string[]]> = [
  ['SLUICE_API_TOKEN', ['apiToken']],
  ['SLUICE_HOST', ['server', 'host']],
  ['SLUICE_PORT', ['server', 'port']],
  ['SLUICE_DATA_DIR', ['dataDir']],
  ['SLUICE_DATABASE_URL', ['storage', 'url']],
  ['SLUICE_LOG_LEVEL', ['logLevel']],
  ['SLUICE_ALLOW_PRIVATE_NETWORKS', ['allowPrivateNetworks']],
  ['SLUICE_TENANTS_INHERIT_PRIVATE_NETWORKS', ['tenantsInheritPrivateNetworks']],
  ['SLUICE_METRICS_TOKEN', ['metrics', 'token']],
  ['SLUICE_SECRET_KEY', ['secretKey']],
  ['SLUICE_SECRET_KEY_FILE', ['secretKeyFile']],
];

const flagPaths: Array<[flag: keyof ConfigFlags, name: string, path: string[]]> = [
  ['port', '--port', ['server', 'port']],
  ['host', '--host', ['server', 'host']],
  ['dataDir', '--data-dir', ['dataDir']],
  ['databaseUrl', '--database-url', ['storage', 'url']],
];

/**
 * Reads, interpolates and validates a config file. Precedence: flag > env
 * (`SLUICE_*`) > file > default. Throws `ConfigError` listing every problem.
 * The gateway's `loadConfig` (src/gateway/config.ts) calls this with the
 * domain checks; callers use that one.
 */
export async function loadConfig(file: string, options: LoadOptions): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(err);
    throw new ConfigError([`${file}: cannot read the config file (${why})`], { cause: err });
  }
  return parseConfig(text, file, options);
}

/** Like `loadConfig`, from the file's text. */
export function parseConfig(text: string, file: string, { checks, flags = {}, env = process.env }: LoadOptions): Config {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: YAML error: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const problems: string[] = [];
  const parsed = doc.toJS() ?? {};
  const tree = interpolate(parsed, env, problems);
  if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) {
    throw new ConfigError([`${file}: the top level must be a mapping of keys`]);
  }
  const origins = new Map<string, string>();
  for (const [name, path] of envOverrides) {
    const value = env[name];
    if (value !== undefined && value !== '') {
      setPath(tree as Record<string, unknown>, path, value);
      origins.set(path.join('.'), name);
    }
  }
  for (const [flag, name, path] of flagPaths) {
    const value = flags[flag];
    if (value !== undefined) {
      setPath(tree as Record<string, unknown>, path, value);
      origins.set(path.join('.'), name);
    }
  }
  const result = validateConfig(tree, checks);
  problems.push(
    ...result.problems.map((p) => {
      const key = p.slice(0, p.indexOf(':'));
      const origin = origins.get(key);
      return origin ? `${origin} (${p})` : p;
    }),
  );
  if (problems.length > 0 || !result.config) throw new ConfigError(problems);
  return result.config;
}

function setPath(tree: Record<string, unknown>, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}
