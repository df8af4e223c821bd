import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from './args.ts';
import type { Figure, ScenarioResult } from './lib/figures.ts';

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  kernel: string;
}

export interface BenchResults {
  date: string;
  command: string;
  machine: Machine;
  options: Omit<BenchOptions, 'command'>;
  scenarios: ScenarioResult[];
  skipped: string[];
}

export function machine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpu: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
  };
}

const num = (v: number): string => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en') : String(v));

function row(f: Figure): string {
  const target = f.target ? `${f.target} ${f.met === undefined ? '' : f.met ? '✅' : '❌'}` : '';
  return `| ${f.label} | ${num(f.value)} ${f.unit} | ${f.baseline !== undefined ? `${num(f.baseline)} ${f.unit}` : ''} | ${f.ratio !== undefined ? `${f.ratio}×` : ''} | ${target.trim()} |`;
}

/** The Markdown tables of one run (also printed to the console). */
export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const lines = [
    `Run ${r.date} with \`${r.command}\``,
    `on ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, Linux ${m.kernel}; store ${r.options.store}, ${r.options.workers} Sluice process(es), ` +
      `${r.options.bodySize} B bodies, ${r.options.durationMs / 1000} s measured per run after ${r.options.warmupMs / 1000} s warm-up, Sluice logLevel ${r.options.logLevel}, ` +
      `run ${r.options.runtime === 'tsx' ? 'from the TypeScript sources (tsx)' : 'from the compiled build (dist/)'}.`,
    '',
  ];
  for (const s of r.scenarios) {
    lines.push(
      `**${s.title}** — Sluice peak RSS ${s.sluicePeakRssMiB.join(' + ')} MiB`,
      '',
      '| figure | Sluice | baseline | ratio | target |',
      '|---|---|---|---|---|',
    );
    lines.push(...s.figures.map(row), '');
    for (const note of s.notes) lines.push(`- ${note}`);
    if (s.notes.length > 0) lines.push('');
  }
  for (const skip of r.skipped) lines.push(`- skipped: ${skip}`);
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Writes `bench/results/<date>.json`; returns its path. */
export function writeResults(cwd: string, r: BenchResults): string {
  const dir = join(cwd, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${r.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  return file;
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** Replaces the generated part of docs/benchmarks.md (between the markers) with this run. */
export function updateDocs(cwd: string, r: BenchResults, resultsFile: string): boolean {
  const file = join(cwd, 'docs', 'benchmarks.md');
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return false;
  const body = `${renderMarkdown(r)}\nRaw figures: \`${resultsFile}\`.\n`;
  writeFileSync(file, `${text.slice(0, a + START.length)}\n${body}${text.slice(b)}`);
  return true;
}
