import { parseArgs } from 'node:util';

export const SCENARIOS = ['ingest', 'latency', 'e2e', 'fanout', 'backlog', 'stream', 'brokers'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/** The issue's letters work too: `--scenario a,c`. */
const LETTERS: Record<string, ScenarioName> = { a: 'ingest', b: 'latency', c: 'e2e', d: 'fanout', e: 'backlog', f: 'stream', g: 'brokers' };

export interface BenchOptions {
  store: 'sqlite' | 'postgres';
  /** PostgreSQL server to create the bench database on (`--pg-url`). */
  pgUrl: string;
  workers: number;
  bodySize: number;
  /** Measured seconds per run, after `warmupMs`. */
  durationMs: number;
  warmupMs: number;
  scenarios: ScenarioName[];
  quick: boolean;
  connections: number;
  /** Fixed rate of the latency scenario (req/s). */
  rate: number;
  /** Fixed rate of the end-to-end scenario; 0 = as fast as the gateway answers. */
  e2eRate: number;
  fanout: number;
  fanoutRate: number;
  backlog: number;
  backlogTimeoutMs: number;
  logLevel: string;
  cpuProf: boolean;
  deliveryConcurrency: number | undefined;
  endpointConcurrency: number | undefined;
  /** Rewrite the table in docs/benchmarks.md (default: on for full runs, off for --quick). */
  updateDocs: boolean;
  /** The command line as typed, for the docs. */
  command: string;
  /** How Sluice runs: the compiled build, or the sources through tsx (`--cpu-prof`, so profiles map to TypeScript lines). */
  runtime?: 'compiled' | 'tsx';
}

const USAGE = `usage: npm run bench -- [--store sqlite|postgres] [--workers N] [--body-size BYTES] [--duration SECONDS]
  [--scenario ingest,latency,e2e,fanout,backlog,stream,brokers | a,b,c,d,e,f,g] [--quick] [--connections N] [--rate N]
  [--e2e-rate N] [--fanout N] [--fanout-rate N] [--backlog N] [--backlog-timeout SECONDS] [--log-level L]
  [--delivery-concurrency N] [--endpoint-concurrency N] [--cpu-prof] [--update-docs | --no-docs] [--pg-url URL]`;

function positiveInt(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}\n${USAGE}`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      store: { type: 'string' },
      workers: { type: 'string' },
      'body-size': { type: 'string' },
      duration: { type: 'string' },
      scenario: { type: 'string' },
      quick: { type: 'boolean' },
      connections: { type: 'string' },
      rate: { type: 'string' },
      'e2e-rate': { type: 'string' },
      fanout: { type: 'string' },
      'fanout-rate': { type: 'string' },
      backlog: { type: 'string' },
      'backlog-timeout': { type: 'string' },
      'log-level': { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      'delivery-concurrency': { type: 'string' },
      'endpoint-concurrency': { type: 'string' },
      'update-docs': { type: 'boolean' },
      'no-docs': { type: 'boolean' },
      'pg-url': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) throw new Error(USAGE);
  const store = values.store ?? 'sqlite';
  if (store !== 'sqlite' && store !== 'postgres') throw new Error(`--store must be sqlite or postgres\n${USAGE}`);
  const quick = values.quick === true;
  const scenarios = (values.scenario ?? SCENARIOS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const name = LETTERS[s] ?? s;
      if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`unknown scenario "${s}"\n${USAGE}`);
      return name as ScenarioName;
    });
  const workers = positiveInt('workers', values.workers, 1);
  if (store === 'sqlite' && workers > 1) throw new Error('--workers > 1 needs --store postgres: an SQLite file belongs to one process');
  return {
    store,
    pgUrl: values['pg-url'] ?? process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    workers,
    bodySize: positiveInt('body-size', values['body-size'], 1024, 64),
    durationMs: positiveInt('duration', values.duration, quick ? 3 : 15) * 1000,
    warmupMs: quick ? 1000 : 2000,
    scenarios,
    quick,
    connections: positiveInt('connections', values.connections, 32),
    rate: positiveInt('rate', values.rate, 2000),
    e2eRate: positiveInt('e2e-rate', values['e2e-rate'], 0, 0),
    fanout: positiveInt('fanout', values.fanout, 50),
    fanoutRate: positiveInt('fanout-rate', values['fanout-rate'], quick ? 20 : 100),
    backlog: positiveInt('backlog', values.backlog, quick ? 20_000 : 1_000_000),
    backlogTimeoutMs: positiveInt('backlog-timeout', values['backlog-timeout'], quick ? 120 : 900) * 1000,
    logLevel: values['log-level'] ?? 'warn',
    cpuProf: values['cpu-prof'] === true,
    deliveryConcurrency:
      values['delivery-concurrency'] === undefined ? undefined : positiveInt('delivery-concurrency', values['delivery-concurrency'], 1),
    endpointConcurrency:
      values['endpoint-concurrency'] === undefined ? undefined : positiveInt('endpoint-concurrency', values['endpoint-concurrency'], 1),
    updateDocs: values['no-docs'] === true ? false : values['update-docs'] === true || !quick,
    command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
  };
}
