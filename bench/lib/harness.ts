import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { BenchOptions } from '../args.ts';
import type { LoadOptions, LoadResult } from '../loadgen.ts';
import type { SinkStats } from '../sink.ts';
import { startNode, type Child } from './child.ts';
import { MiB, procMemory } from './proc-status.ts';
import { newestProfile, summarizeProfile } from './profile.ts';
import type { ProfileSummary } from './figures.ts';
import { startSluice, writeConfig, type RunningSluice, type SluiceSetup } from './sluice.ts';

/** What the sink's cheap `/count` answers. */
export interface SinkCount {
  count: number;
  messages: number;
  complete: number;
}

export interface SluiceRun<T> {
  value: T;
  /** VmHWM of each Sluice process, MiB. */
  peakRssMiB: number[];
  /** `[ms since start, summed RSS MiB]` every 250 ms. */
  rssTimeline: Array<[number, number]>;
  profile?: ProfileSummary;
}

/**
 * The processes shared by every scenario (sink, baseline) and the means to
 * start a fresh Sluice with a fresh store per scenario, so no scenario sees
 * another's data.
 */
export class Harness {
  readonly root = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  sink!: Child;
  sinkPorts: number[] = [];
  private sinkControl = '';
  baseline!: Child;
  baselineUrl = '';
  private databases: string[] = [];
  private runs = 0;

  constructor(
    readonly opts: BenchOptions,
    readonly cwd: string,
  ) {}

  async start(): Promise<void> {
    this.sink = startNode('sink', 'bench/sink.ts', [String(Math.max(this.opts.fanout, 1))]);
    const ready = await this.sink.waitFor(/READY (\d+) ([\d,]+)/);
    this.sinkControl = `http://127.0.0.1:${ready[1]}`;
    this.sinkPorts = (ready[2] as string).split(',').map(Number);
    this.baseline = startNode('baseline', 'bench/baseline.ts', []);
    this.baselineUrl = `http://127.0.0.1:${(await this.baseline.waitFor(/READY (\d+)/))[1]}/in/bench`;
  }

  async close(): Promise<void> {
    await Promise.all([this.sink?.stop(), this.baseline?.stop()]);
    for (const db of this.databases) await this.pgAdmin(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
    rmSync(this.root, { recursive: true, force: true });
  }

  sinkUrl(i = 0): string {
    return `http://127.0.0.1:${this.sinkPorts[i]}/hook`;
  }

  async sinkStats(): Promise<SinkStats> {
    return (await (await fetch(`${this.sinkControl}/stats`)).json()) as SinkStats;
  }

  async sinkCount(): Promise<SinkCount> {
    return (await (await fetch(`${this.sinkControl}/count`)).json()) as SinkCount;
  }

  async sinkReset(): Promise<void> {
    await (await fetch(`${this.sinkControl}/reset`, { method: 'POST' })).arrayBuffer();
  }

  /** Runs the load generator in its own process and returns what it measured. */
  async load(o: Omit<LoadOptions, 'bodySize' | 'warmupMs' | 'idPrefix'> & Partial<LoadOptions>): Promise<LoadResult> {
    const options: LoadOptions = {
      bodySize: this.opts.bodySize,
      warmupMs: this.opts.warmupMs,
      idPrefix: `b${Date.now()}_${this.runs++}`,
      ...o,
    };
    const gen = startNode('loadgen', 'bench/loadgen.ts', [JSON.stringify(options)]);
    const code = await Promise.race([
      gen.wait(),
      new Promise<'timeout'>((r) => setTimeout(r, options.warmupMs + options.durationMs + 60_000, 'timeout')),
    ]);
    if (code === 'timeout') await gen.kill();
    const line = gen.stdout.trim().split('\n').pop() ?? '';
    if (code !== 0 || !line.startsWith('{')) throw new Error(`load generator failed (${code}):\n${gen.stderr.slice(-2000)}`);
    return JSON.parse(line) as LoadResult;
  }

  /** A fresh, empty store for one scenario: an SQLite file in a new directory, or a new PostgreSQL database. */
  async newStore(name: string): Promise<{ dir: string; storageUrl: string }> {
    const dir = join(this.root, `${name}-${this.runs++}`);
    mkdirSync(dir, { recursive: true });
    if (this.opts.store === 'sqlite') return { dir, storageUrl: `sqlite:${join(dir, 'sluice.db')}` };
    const db = `sluice_bench_${process.pid}_${this.databases.length}`;
    await this.pgAdmin(`CREATE DATABASE ${db}`);
    this.databases.push(db);
    const url = new URL(this.opts.pgUrl);
    url.pathname = `/${db}`;
    return { dir, storageUrl: url.toString() };
  }

  private async pgAdmin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.pgUrl, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  setup(store: { dir: string; storageUrl: string }, endpoints: string[]): SluiceSetup {
    return {
      ...store,
      endpoints,
      logLevel: this.opts.logLevel,
      deliveryConcurrency: this.opts.deliveryConcurrency,
      endpointConcurrency: this.opts.endpointConcurrency,
    };
  }

  /**
   * Starts `--workers` Sluice processes on `setup`, runs `fn`, stops them
   * (SIGTERM, so a CPU profile gets written) and reports their peak RSS.
   */
  async withSluice<T>(setup: SluiceSetup, fn: (nodes: RunningSluice[]) => Promise<T>): Promise<SluiceRun<T>> {
    const config = writeConfig(setup);
    const profDir = this.opts.cpuProf ? join(this.cwd, 'bench', 'results') : undefined;
    const nodes: RunningSluice[] = [];
    const rssTimeline: Array<[number, number]> = [];
    const peaks = new Map<number, number>();
    const started = Date.now();
    const sample = (): void => {
      let sum = 0;
      for (const n of nodes) {
        const mem = procMemory(n.child.pid);
        if (!mem) continue;
        sum += mem.rss;
        peaks.set(n.child.pid, Math.max(peaks.get(n.child.pid) ?? 0, mem.peakRss));
      }
      rssTimeline.push([Date.now() - started, Math.round(sum / MiB)]);
    };
    const timer = setInterval(sample, 250);
    try {
      for (let i = 0; i < this.opts.workers; i++) nodes.push(await startSluice(config, { cpuProfDir: profDir, name: `sluice#${i}` }));
      const value = await fn(nodes);
      sample();
      return { value, peakRssMiB: nodes.map((n) => Math.round((peaks.get(n.child.pid) ?? 0) / MiB)), rssTimeline };
    } finally {
      clearInterval(timer);
      for (const n of nodes) {
        const code = await n.child.stop(30_000);
        if (code !== 0) process.stderr.write(`bench: ${n.child.name} exited with ${code}\n${n.child.stderr.slice(-1500)}\n`);
      }
    }
  }

  /** The summary of the profile the last stopped Sluice wrote (with `--cpu-prof`). */
  lastProfile(): ProfileSummary | undefined {
    if (!this.opts.cpuProf) return undefined;
    const file = newestProfile(join(this.cwd, 'bench', 'results'));
    return file ? summarizeProfile(file, this.cwd) : undefined;
  }
}
