import { InvalidArgumentError, type Command } from 'commander';
import { clientCommand, type ClientFlags } from './client.ts';
import type { ListenFlags } from './listen.ts';
import type { TriggerFlags } from './trigger.ts';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

/**
 * The developer's client commands (login, trigger, fixtures, listen, messages,
 * attempts, replay, retry): each talks to a running gateway through its API or
 * ingest URLs. `run` receives the command's promise of an exit code.
 */
export function registerClientCommands(program: Command, run: (action: Promise<number>) => void): void {
  clientCommand(program.command('login'))
    .description('save the gateway\'s address and an API token in your config directory (mode 0600) for later commands')
    .action((flags: ClientFlags) => run(import('./login.ts').then((m) => m.login(flags))));

  clientCommand(program.command('trigger').argument('<provider>').argument('<event>'))
    .description('send a realistic, freshly signed provider event (from fixtures/) to a source of the gateway')
    .option('-s, --source <name>', 'the source to send to (default: the config\'s only source of that provider)')
    .option('--secret <secret>', 'sign with this secret instead of the source\'s from the config')
    .option('-c, --config <file>', 'the gateway\'s YAML config, for the source\'s secret (default: sluice.yaml if present)')
    .option('--override <path=value>', 'change a field of the payload (repeatable)', collect, [])
    .option('--add <path=value>', 'add a field to the payload (repeatable)', collect, [])
    .option('--remove <path>', 'remove a field from the payload (repeatable)', collect, [])
    .option('-n, --repeat <n>', 'send this many, each with fresh ids', positiveInt, 1)
    .option('--print', 'print the signed request (headers and body) instead of sending it')
    .action((provider: string, event: string, flags: TriggerFlags) => run(import('./trigger.ts').then((m) => m.trigger(provider, event, flags))));

  clientCommand(program.command('listen'))
    .description('forward the gateway\'s deliveries to a local URL over a persistent connection; they wait in the gateway while you are away')
    .requiredOption('-f, --forward-to <url>', 'the local handler (http://localhost:3000/hooks)')
    .option('-a, --app <app>', 'the application whose messages to receive (default: the only one)')
    .option('-e, --events <types>', 'only these event types, comma-separated (the relay endpoint\'s filter)')
    .option('-n, --name <name>', 'the relay endpoint\'s name (default: this machine\'s host name)')
    .option('-H, --headers <list>', 'extra headers on every forwarded request: "K:V,K2:V2"')
    .option('--print-secret', 'print the relay endpoint\'s signing secret and exit')
    .option('--keep <duration>', 'how long deliveries wait for an absent listener before they go dead (default 24h)')
    .action((flags: ListenFlags) => run(import('./listen.ts').then((m) => m.listen(flags))));

  clientCommand(program.command('fixtures').argument('[provider]'))
    .description('list the provider events trigger can send')
    .action((provider: string | undefined, flags: ClientFlags) => run(import('./trigger.ts').then((m) => m.fixtures(provider, flags))));
}
