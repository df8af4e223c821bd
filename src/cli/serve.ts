import { loadConfig } from '../gateway/config.ts';
import type { Config } from '../config/types.ts';
import { ConfigError } from '../errors.ts';
import { startGateway, type Gateway } from '../gateway/gateway.ts';
import { isRole, ROLES, type Role } from '../gateway/role.ts';
import { createLogger } from '../observability/logger.ts';

const USAGE =
  'usage: sluice serve --config FILE [--port N] [--host H] [--data-dir DIR] [--database-url URL] [--role all|ingest|worker|api]';

/** `sluice serve`: runs until SIGTERM/SIGINT, then stops gracefully. Resolves with the exit code. */
export async function serve(opts: {
  config: string;
  port?: number;
  host?: string;
  dataDir?: string;
  databaseUrl?: string;
  role?: string;
}): Promise<number> {
  const roleText = opts.role ?? (process.env.SLUICE_ROLE || 'all');
  if (!isRole(roleText)) {
    process.stderr.write(
      `sluice: ${opts.role === undefined ? 'SLUICE_ROLE' : '--role'} must be one of ${ROLES.join(', ')} (got "${roleText}")\n${USAGE}\n`,
    );
    return 2;
  }
  const role: Role = roleText;
  let config: Config;
  try {
    config = await loadConfig(opts.config, { port: opts.port, host: opts.host, dataDir: opts.dataDir, databaseUrl: opts.databaseUrl });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sluice: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  let gateway: Gateway;
  try {
    gateway = await startGateway(config, log, { role });
  } catch (err) {
    const message = (err as Error).message;
    process.stderr.write(`sluice: cannot start: ${message}\n`);
    log.flush();
    // A storage URL that is wrong, an unreachable database, or a role the store cannot run is a configuration problem.
    return /^(storage URL:|cannot open PostgreSQL at|--role )/.test(message) ? 2 : 1;
  }
  process.stderr.write(`Sluice listening on ${gateway.url} (role ${role})\n`);
  if (role === 'all' || role === 'ingest') {
    for (const source of gateway.sources) {
      process.stderr.write(`  source ${source.config.name} (${source.config.provider}): POST ${gateway.url}/in/${source.config.name}\n`);
    }
  }
  if (role === 'all' || role === 'api') process.stderr.write(`  API: ${gateway.url}/api/v1\n`);
  if ((role === 'all' || role === 'api') && config.console.enabled) process.stderr.write(`  console: ${gateway.url}/console/\n`);
  process.stderr.write(`  health: ${gateway.url}/readyz  metrics: ${gateway.metricsUrl}\n`);
  if (gateway.workerOwner) process.stderr.write(`  delivery worker ${gateway.workerOwner}\n`);

  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception; exiting');
    log.flush();
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection; exiting');
    log.flush();
    process.exit(1);
  });

  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (++signals > 1) {
        process.stderr.write(`sluice: ${signal} again, exiting now\n`);
        process.exit(130);
      }
      log.info({ signal }, 'stopping');
      gateway.stop().then(
        () => {
          log.info('stopped');
          log.flush();
          resolve(0);
        },
        (err: unknown) => {
          log.error({ err }, 'stop failed');
          log.flush();
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
