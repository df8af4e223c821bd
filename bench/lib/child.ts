import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** A child process started by the bench, with its output kept for error messages. */
export class Child {
  private out = '';
  private err = '';
  private exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    proc.stdout?.on('data', (d: Buffer) => {
      this.out += d.toString('utf8');
      if (this.out.length > 1_000_000) this.out = this.out.slice(-100_000);
    });
    proc.stderr?.on('data', (d: Buffer) => {
      this.err += d.toString('utf8');
      if (this.err.length > 1_000_000) this.err = this.err.slice(-100_000);
    });
    this.exited = once(proc, 'exit').then(([code]) => code as number | null);
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  /**
   * Its last `lines` lines of output above debug level, stderr after stdout,
   * with how it ended when it has: what a failure message shows of the process.
   */
  tail(lines = 25): string {
    const ended = this.running ? '' : `\n(${this.name} ended: exit code ${this.proc.exitCode}, signal ${this.proc.signalCode})`;
    const kept = `${this.out}\n${this.err}`
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.includes('"level":20'))
      .slice(-lines);
    return kept.join('\n') + ended;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Waits until stdout or stderr matches `pattern`; fails if the process exits first or `timeoutMs` passes. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.out) ?? pattern.exec(this.err);
      if (match) return match;
      if (!this.running) throw new Error(`${this.name} exited (code ${this.proc.exitCode}) before it was ready:\n${this.err.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.err.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Resolves with the exit code (null when killed by a signal). */
  wait(): Promise<number | null> {
    return this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (!this.running) return this.exited;
    const t0 = Date.now();
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    trace(`${this.name} stopped in ${Date.now() - t0} ms (code ${code})`);
    return code;
  }

  kill(): Promise<number | null> {
    if (this.running) this.proc.kill('SIGKILL');
    return this.exited;
  }
}

/**
 * Starts `node [nodeArgs] script [args]`, loading TypeScript through tsx unless
 * `tsx: false` (bin/sluice registers tsx itself).
 */
export function startNode(
  name: string,
  script: string,
  args: string[],
  opts: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv; cwd?: string; tsx?: boolean } = {},
): Child {
  trace(`start ${name}`);
  const loader = opts.tsx === false ? [] : ['--import', 'tsx'];
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...loader, script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
    cwd: opts.cwd,
  });
  return new Child(name, proc);
}

/** Progress lines on stderr with `BENCH_TRACE=1`. */
export function trace(text: string): void {
  if (process.env.BENCH_TRACE === '1') process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${text}\n`);
}
