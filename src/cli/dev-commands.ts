import { InvalidArgumentError, type Command } from 'commander';
import { clientCommand, type ClientFlags } from './client.ts';
import { Option } from 'commander';
import type { ListenFlags } from './listen.ts';
import type { AttemptListFlags, MessageListFlags } from './messages.ts';
import type { RetryFlags } from './retry.ts';
import type { TailFlags } from './tail.ts';
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
    .description("save the gateway's address and an API token in your config directory (mode 0600) for later commands")
    .action((flags: ClientFlags) => run(import('./login.ts').then((m) => m.login(flags))));

  clientCommand(program.command('trigger').argument('<provider>').argument('<event>'))
    .description('send a realistic, freshly signed provider event (from fixtures/) to a source of the gateway')
    .option('-s, --source <name>', "the source to send to (default: the config's only source of that provider)")
    .option('--secret <secret>', "sign with this secret instead of the source's from the config")
    .option('-c, --config <file>', "the gateway's YAML config, for the source's secret (default: sluice.yaml if present)")
    .option('--override <path=value>', 'change a field of the payload (repeatable)', collect, [])
    .option('--add <path=value>', 'add a field to the payload (repeatable)', collect, [])
    .option('--remove <path>', 'remove a field from the payload (repeatable)', collect, [])
    .option('-n, --repeat <n>', 'send this many, each with fresh ids', positiveInt, 1)
    .option('--print', 'print the signed request (headers and body) instead of sending it')
    .action((provider: string, event: string, flags: TriggerFlags) =>
      run(import('./trigger.ts').then((m) => m.trigger(provider, event, flags))),
    );

  clientCommand(program.command('listen'))
    .description(
      "forward the gateway's deliveries to a local URL over a persistent connection; they wait in the gateway while you are away",
    )
    .requiredOption('-f, --forward-to <url>', 'the local handler (http://localhost:3000/hooks)')
    .option('-a, --app <app>', 'the application whose messages to receive (default: the only one)')
    .option('-e, --events <types>', "only these event types, comma-separated (the relay endpoint's filter)")
    .option('-n, --name <name>', "the relay endpoint's name (default: this machine's host name)")
    .option('-H, --headers <list>', 'extra headers on every forwarded request: "K:V,K2:V2"')
    .option('--print-secret', "print the relay endpoint's signing secret and exit")
    .option('--keep <duration>', 'how long deliveries wait for an absent listener before they go dead (default 24h)')
    .action((flags: ListenFlags) => run(import('./listen.ts').then((m) => m.listen(flags))));

  const messages = program.command('messages').description('messages the gateway stored: list them, or read one with its deliveries');
  clientCommand(messages.command('list'))
    .description('the newest messages of an application')
    .option('-a, --app <app>', 'the application (default: the only one)')
    .option('-e, --event-types <types>', 'only these event types, comma-separated')
    .option('-s, --source <name>', 'only messages from this source')
    .option('-l, --limit <n>', 'at most this many', positiveInt, 20)
    .action((flags: MessageListFlags) => run(import('./messages.ts').then((m) => m.listMessages(flags))));
  clientCommand(messages.command('get').argument('<msg-id>'))
    .description("one message: payload, state, and each endpoint's delivery")
    .option('-a, --app <app>', 'the application (default: found from the id)')
    .action((msgId: string, flags: ClientFlags & { app?: string }) => run(import('./messages.ts').then((m) => m.getMessage(msgId, flags))));

  const attempts = program.command('attempts').description('delivery attempts: what each endpoint answered');
  clientCommand(attempts.command('list'))
    .description('attempts of one message (--msg) or one endpoint (--endpoint), newest first')
    .option('-a, --app <app>', 'the application (default: the only one, or found from --msg)')
    .option('-m, --msg <msg-id>', 'attempts of this message')
    .option('--endpoint <id>', 'attempts to this endpoint (id or uid)')
    .option('-l, --limit <n>', 'at most this many', positiveInt, 20)
    .action((flags: AttemptListFlags) => run(import('./messages.ts').then((m) => m.listAttempts(flags))));

  clientCommand(program.command('replay').argument('<msg-id>'))
    .description('send a message again: to one endpoint, or to every endpoint that matches it now')
    .option('-a, --app <app>', 'the application (default: found from the id)')
    .option('--endpoint <id>', 'only to this endpoint (id or uid)')
    .action((msgId: string, flags: ClientFlags & { app?: string; endpoint?: string }) =>
      run(import('./retry.ts').then((m) => m.replay(msgId, flags))),
    );

  clientCommand(program.command('retry'))
    .description('retry, now, the deliveries that failed or went dead recently; counts them and asks first')
    .requiredOption('-a, --app <app>', 'the application')
    .option('--endpoint <id>', 'only this endpoint (id or uid)')
    .addOption(new Option('--status <status>', 'failed (still retrying) or dead; default both').choices(['failed', 'dead']))
    .option('--since <duration>', 'deliveries of messages received this recently', '24h')
    .option('--dry-run', 'count and list them, retry nothing')
    .option('-y, --yes', 'do not ask')
    .action((flags: RetryFlags) => run(import('./retry.ts').then((m) => m.retry(flags))));

  clientCommand(program.command('tail'))
    .description('the live stream of ingest decisions and attempt outcomes of a running gateway')
    .option('-a, --app <app>', 'only this application')
    .option('-s, --source <name>', 'only this source')
    .option('--endpoint <id>', 'only attempts to this endpoint')
    .option('-e, --events <types>', 'only these event types, comma-separated')
    .action((flags: TailFlags) => run(import('./tail.ts').then((m) => m.tail(flags))));

  clientCommand(program.command('fixtures').argument('[provider]'))
    .description('list the provider events trigger can send')
    .action((provider: string | undefined, flags: ClientFlags) => run(import('./trigger.ts').then((m) => m.fixtures(provider, flags))));
}
