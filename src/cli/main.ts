import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { VERSION } from '../version.ts';
import { serve } from './serve.ts';

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

  program.command('serve')
    .description('receive webhooks on /in/:source and deliver them to endpoints')
    .option('-c, --config <file>', 'the YAML config file', 'sluice.yaml')
    .option('-p, --port <n>', 'port to listen on (overrides server.port)', port)
    .option('-H, --host <host>', 'address to bind (overrides server.host)')
    .option('-d, --data-dir <dir>', 'where the SQLite database lives (overrides dataDir)')
    .option('--database-url <url>', 'postgres://user:password@host:5432/db or sqlite:PATH (overrides storage.url)')
    .exitOverride()
    .showHelpAfterError()
    .action((opts: { config: string; port?: number; host?: string; dataDir?: string; databaseUrl?: string }) => {
      action = serve(opts);
    });

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
