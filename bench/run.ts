/**
 * `npm run bench -- [flags]` (see args.ts): runs the scenarios against fresh
 * Sluice processes, side by side with a plain node:http baseline, prints the
 * tables, writes bench/results/<date>.json and (full runs) the table in
 * docs/benchmarks.md. All traffic stays on 127.0.0.1.
 */
import { cpus, loadavg } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { parseBenchArgs, type BenchOptions } from './args.ts';
import type { ScenarioResult } from './lib/figures.ts';
import { Harness } from './lib/harness.ts';
import { startSluice, writeConfig } from './lib/sluice.ts';
import { machine, renderMarkdown, updateDocs, writeResults, type BenchResults } from './report.ts';
import { backlogScenario } from './scenarios/backlog.ts';
import { brokersScenario } from './scenarios/brokers.ts';
import { e2eScenario } from './scenarios/e2e.ts';
import { fanoutScenario } from './scenarios/fanout.ts';
import { ingestScenario } from './scenarios/ingest.ts';
import { latencyScenario } from './scenarios/latency.ts';
import { streamScenario } from './scenarios/stream.ts';

/** Why the chosen store cannot be benchmarked, or undefined when it can. */
async function storeProblem(h: Harness): Promise<string | undefined> {
  if (h.opts.store === 'sqlite') return undefined;
  try {
    const store = await h.newStore('probe');
    const sluice = await startSluice(writeConfig(h.setup(store, [])), { name: 'sluice (postgres probe)' });
    await sluice.child.stop();
    return undefined;
  } catch (err) {
    return `the PostgreSQL store is not available: ${(err as Error).message.split('\n').slice(0, 4).join(' ')}`;
  }
}

/**
 * Sluice runs as `npm start` runs it, from the compiled build; with `--cpu-prof`
 * from the sources, so that profiles name TypeScript lines. `bin/sluice` picks
 * the form; the environment it inherits tells it which.
 */
function prepareRuntime(opts: BenchOptions, cwd: string): void {
  if (opts.cpuProf) {
    process.env.SLUICE_FROM_SOURCE = '1';
    opts.runtime = 'tsx';
    return;
  }
  const built = spawnSync(process.execPath, [join(cwd, 'bin', 'build.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('bench: building dist/ failed');
  opts.runtime = 'compiled';
}

async function main(opts: BenchOptions): Promise<number> {
  const cwd = process.cwd();
  prepareRuntime(opts, cwd);
  const h = new Harness(opts, cwd);
  const scenarios: ScenarioResult[] = [];
  const skipped: string[] = [];
  const log = (text: string): void => void process.stderr.write(`bench: ${text}\n`);
  try {
    await h.start();
    const problem = await storeProblem(h);
    if (problem) {
      log(problem);
      return 3;
    }
    let baselineIngest: number | undefined;
    for (const name of opts.scenarios) {
      // The machine may be shared: a busy one skews every figure, so say so next to them.
      const load = loadavg()[0] as number;
      log(`scenario ${name}… (1-min load average ${load.toFixed(2)})`);
      let result: ScenarioResult;
      try {
        result =
          name === 'ingest'
            ? await ingestScenario(h)
            : name === 'latency'
              ? await latencyScenario(h)
              : name === 'e2e'
                ? await e2eScenario(h, baselineIngest)
                : name === 'fanout'
                  ? await fanoutScenario(h)
                  : name === 'stream'
                    ? await streamScenario(h)
                    : name === 'brokers'
                      ? await brokersScenario(h)
                      : await backlogScenario(h);
      } catch (err) {
        // One broken scenario should not cost the figures of the others.
        const why = (err as Error).message.split('\n').filter(Boolean).slice(0, 6).join(' | ');
        log(`${name} failed: ${why}`);
        skipped.push(`${name}: failed: ${why}`);
        continue;
      }
      if (name === 'ingest') baselineIngest = result.figures[0]?.baseline;
      result.raw.loadAverageBefore = load;
      const peak = Math.max(...result.sluicePeakRssMiB);
      if (peak * 1.048576 > 250) result.notes.push(`Sluice peak RSS ${peak} MiB is above the 250 MB target`);
      if (load > cpus().length * 0.5)
        result.notes.push(`the machine was busy before this scenario (1-min load average ${load.toFixed(2)} on ${cpus().length} cores)`);
      scenarios.push(result);
      log(`${name}: ${result.figures.map((f) => `${f.label} ${f.value} ${f.unit}`).join('; ')}`);
    }
  } finally {
    await h.close();
  }
  const { command, ...options } = opts;
  const results: BenchResults = { date: new Date().toISOString(), command, machine: machine(), options, scenarios, skipped };
  const file = relative(cwd, writeResults(cwd, results));
  process.stdout.write(`\n${renderMarkdown(results)}\nresults: ${file}\n`);
  if (opts.updateDocs)
    log(updateDocs(cwd, results, file) ? 'updated docs/benchmarks.md' : 'docs/benchmarks.md has no results markers; not updated');
  return 0;
}

let opts: BenchOptions;
try {
  opts = parseBenchArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
process.exitCode = await main(opts);
