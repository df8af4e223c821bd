import type { ConfigChecks } from '../config/checks.ts';
import { type ConfigFlags, loadConfig as loadWith, parseConfig as parseWith } from '../config/load.ts';
import type { Config } from '../config/types.ts';
import { validateConfig as validateWith } from '../config/validate.ts';
import { compileFilter, FilterSyntaxError, parseFilterText } from '../delivery/filter.ts';
import { schemaProblem } from '../ingest/schema.ts';
import { isForwarded } from '../providers/forwarded.ts';
import { findProvider, providerNames } from '../providers/registry.ts';
import { isValidSecret } from '../signing/standard-webhooks.ts';
import { type BrokerSourceOptions, checkSourceConnection, isBrokerSource } from '../sources/provider.ts';
import type { FilterDocument } from '../store/records.ts';

/**
 * The rooms' own rules, handed to the configuration (which imports no room):
 * each stays where its knowledge is, and is asked as its key is read.
 */
export const configChecks: ConfigChecks = {
  provider: findProvider,
  providerNames,
  isValidSecret,
  isForwardable: (header) => isForwarded({ headers: [header], signature: [] }, header),
  sourceConnection(section, provider, options, brokers) {
    if (isBrokerSource({ provider })) checkSourceConnection(section, options as BrokerSourceOptions, brokers);
  },
  filter(raw) {
    try {
      if (typeof raw === 'string') return { filter: parseFilterText(raw) };
      compileFilter(raw);
      return { filter: raw as FilterDocument };
    } catch (err) {
      if (!(err instanceof FilterSyntaxError)) throw err;
      return { at: err.at, reason: err.reason };
    }
  },
  schemaProblem,
};

/**
 * Reads, interpolates and validates a config file with every room's checks.
 * Precedence: flag > env (`SLUICE_*`) > file > default. Throws `ConfigError`
 * listing every problem.
 */
export function loadConfig(file: string, flags: ConfigFlags = {}, env: Record<string, string | undefined> = process.env): Promise<Config> {
  return loadWith(file, { checks: configChecks, flags, env });
}

/** Like `loadConfig`, from the file's text. */
export function parseConfig(
  text: string,
  file: string,
  flags: ConfigFlags = {},
  env: Record<string, string | undefined> = process.env,
): Config {
  return parseWith(text, file, { checks: configChecks, flags, env });
}

/** A parsed document to a `Config`, or its problems (see config/validate.ts). */
export function validateConfig(raw: unknown): ReturnType<typeof validateWith> {
  return validateWith(raw, configChecks);
}
