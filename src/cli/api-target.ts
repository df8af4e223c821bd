import { loadConfig } from '../gateway/config.ts';
import { ConfigError } from '../errors.ts';

/** Where a command that talks to a running gateway finds it: flags, then SLUICE_API_TOKEN, then the config. */
export async function apiTarget(opts: {
  config: string;
  url?: string;
  token?: string;
}): Promise<{ base: string; token: string } | { problem: string }> {
  let base = opts.url;
  let token = opts.token ?? process.env.SLUICE_API_TOKEN;
  if (base === undefined || token === undefined) {
    try {
      const config = await loadConfig(opts.config);
      const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
      base ??= `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}`;
      token ??= config.apiToken;
    } catch (err) {
      return { problem: `${err instanceof ConfigError ? err.message : (err as Error).message}\n(or pass --url and --token)` };
    }
  }
  // A config with only auth.tokens keeps their hashes, never a token this command could send.
  if (token === undefined)
    return { problem: `${opts.config} has no apiToken to use (its auth.tokens are kept as hashes): pass --token or set SLUICE_API_TOKEN` };
  return { base: base.replace(/\/+$/, ''), token };
}
