import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { VERSION } from '../version.ts';
import { keys } from './keys.ts';
import { alerts } from './alerts.ts';
import { migrate } from './migrate.ts';
import { migrateData } from './migrate-data.ts';
import { registerClientCommands } from './dev-commands.ts';
import { quarantine } from './quarantine.ts';

/** Exit codes: 0 fine, 1 failed at run time, 2 wrong usage or configuration. */
export const EXIT_USAGE = 2;

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535');
  return n;
}

/** Runs the `sluice` command; resolves with the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let action: Promise<number> = Promise.resolve(0);
  const program = new Command('sluice')
    .description('Sluice: a self-hostable webhook gateway.')
    .version(VERSION, '-v, --version')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });

  program
    .command('serve')
    .description('receive webhooks on /in/:source and deliver them to endpoints')
    .option('-c, --config <file>', 'the YAML config file', 'sluice.yaml')
    .option('-p, --port <n>', 'port to listen on (overrides server.port)', port)
    .option('-H, --host <host>', 'address to bind (overrides server.host)')
    .option('-d, --data-dir <dir>', 'where the SQLite database lives (overrides dataDir)')
    .option('--database-url <url>', 'postgres://user:password@host:5432/db or sqlite:PATH (overrides storage.url)')
    .option('--role <role>', 'all | ingest | worker | api: what this process does (SLUICE_ROLE; default all)')
    .exitOverride()
    .showHelpAfterError()
    .action((opts: { config: string; port?: number; host?: string; dataDir?: string; databaseUrl?: string; role?: string }) => {
      // Loaded when used: the client commands start faster without the server's modules.
      action = import('./serve.ts').then((m) => m.serve(opts));
    });

  program
    .command('migrate')
    .description('apply pending database migrations (serve does it at start); --print shows their SQL instead')
    .option('--print', "write the pending migrations' SQL to stdout for a DBA, apply nothing")
    .option('-c, --config <file>', 'the YAML config file naming the database (storage.url)')
    .option('--database-url <url>', 'postgres://user:password@host:5432/db or sqlite:PATH (or SLUICE_DATABASE_URL)')
    .exitOverride()
    .showHelpAfterError()
    .action((opts: { print?: boolean; config?: string; databaseUrl?: string }) => {
      action = migrate(opts);
    });

  program
    .command('migrate-data')
    .description(
      'copy an SQLite store (stopped) into an empty PostgreSQL database: applications, endpoints, messages, deliveries, attempts',
    )
    .option('--from <url>', 'sqlite:PATH of the store to copy')
    .option('--to <url>', 'postgres://user:password@host:5432/db to copy into (must be empty)')
    .exitOverride()
    .showHelpAfterError()
    .action((opts: { from?: string; to?: string }) => {
      action = migrateData(opts);
    });

  program
    .command('keys')
    .description('manage the keys that seal stored secrets')
    .argument('<command>', 'rotate: add a new key and seal every stored secret under it')
    .requiredOption('--config <file>', 'the gateway config (its dataDir holds the key file)')
    .action((sub: string, opts: { config: string }) => {
      action = keys(sub, opts);
    });

  const quarantineCmd = program
    .command('quarantine')
    .description("messages that failed their event type's schema: list them, or revalidate and release the ones that now pass");
  for (const sub of ['list', 'release'] as const) {
    quarantineCmd
      .command(sub)
      .description(
        sub === 'list'
          ? 'list quarantined messages with every validation error'
          : 'revalidate quarantined messages and deliver the ones that pass',
      )
      .requiredOption('-a, --app <app>', 'the application (id or uid)')
      .option('-c, --config <file>', "the YAML config (for the gateway's address and API token)", 'sluice.yaml')
      .option('--url <url>', "the gateway's base URL (default: from the config)")
      .option('--token <token>', 'the API token (default: SLUICE_API_TOKEN or the config)')
      .option('-m, --message <id...>', 'only these messages (release)')
      .option('-n, --limit <n>', 'at most this many', (v: string) => Number(v))
      .exitOverride()
      .action((opts: { app: string; config: string; url?: string; token?: string; message?: string[]; limit?: number }) => {
        action = quarantine(sub, { ...opts, ...(opts.message ? { messages: opts.message } : {}) });
      });
  }

  registerClientCommands(program, (a) => {
    action = a;
  });
  const alertsCmd = program.command('alerts').description('what is firing, recent alerts and their notifications; test a channel');
  const target = (cmd: Command): Command =>
    cmd
      .option('-c, --config <file>', "the YAML config (for the gateway's address and API token)", 'sluice.yaml')
      .option('--url <url>', "the gateway's base URL (default: from the config)")
      .option('--token <token>', 'the API token (default: SLUICE_API_TOKEN or the config)')
      .exitOverride();
  target(alertsCmd.command('list', { isDefault: true }).description('current alerts and the recent transitions'))
    .option('-n, --limit <n>', 'at most this many recent transitions', (v: string) => Number(v))
    .option('--json', "the API's answer as JSON")
    .action((opts: { config: string; url?: string; token?: string; limit?: number; json?: boolean }) => {
      action = alerts('list', opts);
    });
  target(alertsCmd.command('test <channel>').description('send a test notification to one channel')).action(
    (channel: string, opts: { config: string; url?: string; token?: string }) => {
      action = alerts('test', opts, channel);
    },
  );

  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(['node', 'sluice', ...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      if (err.code === 'commander.executeSubCommandAsync') return 0;
      return EXIT_USAGE;
    }
    throw err;
  }
  return action;
}
