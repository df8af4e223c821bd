import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PeriodicRunner, type Timers } from '../../src/gateway/periodic-runner.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { eventually, LogSink, startTestGateway } from '../helpers/gateway.ts';

/** A clock that moves only when told: timers fire in due order as `advance` passes them. */
class ManualTimers implements Timers {
  private at = 1_000_000;
  private seq = 0;
  private readonly pending = new Map<number, { due: number; fn: () => void }>();

  now(): number {
    return this.at;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { due: this.at + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  get waiting(): number {
    return this.pending.size;
  }

  /** Moves the clock `ms` forward, firing each timer due on the way and letting the runs it starts settle. */
  async advance(ms: number): Promise<void> {
    const until = this.at + ms;
    for (;;) {
      const next = [...this.pending.entries()].sort((a, b) => a[1].due - b[1].due)[0];
      if (!next || next[1].due > until) break;
      this.pending.delete(next[0]);
      this.at = Math.max(this.at, next[1].due);
      next[1].fn();
      await settle();
    }
    this.at = until;
    await settle();
  }
}

/** Lets promise callbacks and I/O callbacks queued so far run (no timer, no wall-clock wait). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

function logged(sink: LogSink): Array<Record<string, unknown>> {
  return sink.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('periodic runner (injected timers)', () => {
  it('runs each job at its interval, the first one at start when asked', async () => {
    const timers = new ManualTimers();
    const runs: Array<[string, number]> = [];
    const start = timers.now();
    const runner = new PeriodicRunner(
      [
        { name: 'fast', everyMs: 100, firstAfterMs: 0, run: (now) => runs.push(['fast', now - start]) },
        { name: 'slow', everyMs: 250, run: async (now) => void runs.push(['slow', now - start]) },
      ],
      createLogger('info', new LogSink()),
      timers,
    );
    runner.start();
    await settle();
    assert.deepEqual(runs, [['fast', 0]], 'a job with firstAfterMs 0 runs within start()');
    await timers.advance(500);
    assert.deepEqual(
      runs.filter(([n]) => n === 'fast').map(([, t]) => t),
      [0, 100, 200, 300, 400, 500],
    );
    assert.deepEqual(
      runs.filter(([n]) => n === 'slow').map(([, t]) => t),
      [250, 500],
      'without firstAfterMs the first run comes after one interval',
    );
    await runner.stop();
  });

  it('logs a job that throws with its name, counts it, and runs it again at the next tick', async () => {
    const timers = new ManualTimers();
    const sink = new LogSink();
    const seen: Array<{ job: string; failed: boolean }> = [];
    let calls = 0;
    let other = 0;
    const runner = new PeriodicRunner(
      [
        {
          name: 'flaky',
          everyMs: 1000,
          run: async () => {
            calls++;
            if (calls <= 2) throw new Error(`database away (${calls})`);
          },
        },
        { name: 'sync-throw', everyMs: 1000, run: () => JSON.parse('{') },
        { name: 'steady', everyMs: 1000, run: () => other++ },
      ],
      createLogger('info', sink),
      timers,
      (job, run) => seen.push({ job, failed: run.error !== undefined }),
    );
    runner.start();
    await timers.advance(1000);
    assert.equal(calls, 1);
    assert.equal(other, 1, 'a failing job holds no other up');
    const errors = logged(sink).filter((l) => l.level === 50);
    assert.deepEqual(errors.map((l) => l.job).sort(), ['flaky', 'sync-throw'], 'each failure logged with its job');
    const flaky = errors.find((l) => l.job === 'flaky') as Record<string, unknown>;
    assert.equal((flaky.err as { message: string }).message, 'database away (1)', 'with the error');
    assert.equal(flaky.everyMs, 1000);
    assert.match(String(flaky.msg), /flaky failed; it runs again at its next interval/);

    await timers.advance(1000);
    assert.equal(calls, 2, 'ran again at the next tick');
    await timers.advance(1000);
    assert.equal(calls, 3, 'and again: the loop did not die');
    assert.equal(other, 3);
    const status = new Map(runner.status().map((s) => [s.name, s]));
    assert.deepEqual(status.get('flaky'), {
      name: 'flaky',
      everyMs: 1000,
      runs: 3,
      failures: 2,
      lastRunAt: timers.now(),
      lastErrorAt: timers.now() - 1000,
      lastError: 'database away (2)',
    });
    assert.equal(status.get('sync-throw')?.failures, 3, 'a synchronous throw is caught too');
    assert.equal(status.get('steady')?.failures, 0);
    assert.deepEqual(
      seen.filter((s) => s.job === 'flaky').map((s) => s.failed),
      [true, true, false],
      'the observer hears every run',
    );
    await runner.stop();
  });

  it('never overlaps a job with itself: a slow run delays the next one', async () => {
    const timers = new ManualTimers();
    let active = 0;
    let most = 0;
    let release: () => void = () => undefined;
    const starts: number[] = [];
    const runner = new PeriodicRunner(
      [
        {
          name: 'slow',
          everyMs: 100,
          run: async (now) => {
            starts.push(now);
            active++;
            most = Math.max(most, active);
            await new Promise<void>((r) => {
              release = r;
            });
            active--;
          },
        },
      ],
      createLogger('info', new LogSink()),
      timers,
    );
    runner.start();
    await timers.advance(100);
    await timers.advance(500);
    assert.equal(starts.length, 1, 'no second run while the first is under way');
    release();
    await settle();
    await timers.advance(0);
    assert.equal(starts.length, 2, 'the next run starts at once when the last one overran its interval');
    assert.equal(most, 1);
    release();
    await runner.stop();
  });

  it('stop() clears every timer, waits for the runs under way, and nothing runs after it', async () => {
    const timers = new ManualTimers();
    const runs: string[] = [];
    let release: () => void = () => undefined;
    let finished = false;
    const runner = new PeriodicRunner(
      [
        { name: 'a', everyMs: 100, run: () => runs.push('a') },
        {
          name: 'b',
          everyMs: 100,
          run: async () => {
            runs.push('b');
            await new Promise<void>((r) => {
              release = r;
            });
            finished = true;
          },
        },
      ],
      createLogger('info', new LogSink()),
      timers,
    );
    runner.start();
    await timers.advance(100);
    assert.deepEqual(runs.sort(), ['a', 'b']);
    let stopped = false;
    const stopping = runner.stop().then(() => {
      stopped = true;
    });
    await settle();
    assert.equal(stopped, false, 'stop waits for the run under way');
    release();
    await stopping;
    assert.equal(finished, true);
    assert.equal(timers.waiting, 0, 'no timer left behind');
    await timers.advance(1000);
    assert.deepEqual(runs.sort(), ['a', 'b'], 'nothing ran after stop');
    runner.start();
    await timers.advance(1000);
    assert.equal(runs.length, 2, 'a stopped runner does not start again');
  });

  it('runNow runs a job at once and its interval counts from there', async () => {
    const timers = new ManualTimers();
    const at: number[] = [];
    const t0 = timers.now();
    const runner = new PeriodicRunner(
      [{ name: 'j', everyMs: 100, run: (now) => at.push(now - t0) }],
      createLogger('info', new LogSink()),
      timers,
    );
    runner.start();
    await timers.advance(40);
    await runner.runNow('j');
    await timers.advance(100);
    assert.deepEqual(at, [40, 140]);
    await assert.rejects(runner.runNow('nope'), /no periodic job "nope"/);
    await runner.stop();
  });

  it('refuses one job name twice', () => {
    const job = { name: 'x', everyMs: 1, run: () => undefined };
    assert.throws(() => new PeriodicRunner([job, job], createLogger('info', new LogSink())), /scheduled twice/);
  });
});

describe('maintenance schedule of a gateway', () => {
  it('runs the periodic jobs of its role and shows their last runs on /metrics', async () => {
    const gw = await startTestGateway('');
    try {
      const names = gw.gateway.maintenance().map((s) => s.name);
      assert.deepEqual(names, [
        'storage-upkeep',
        'lease-reclaim',
        'dedupe-purge',
        'payload-purge',
        'flow-flush',
        'console-purge',
        'rejection-flush',
        'relay-ping',
      ]);
      const reclaim = await eventually(
        () => gw.gateway.maintenance().find((s) => s.name === 'lease-reclaim' && s.runs >= 1),
        5_000,
        'the jobs due at start to run',
      );
      assert.equal(reclaim.failures, 0);
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      assert.match(text, /sluice_maintenance_last_run_timestamp_seconds\{job="lease-reclaim"\} \d+/);
      assert.match(text, /sluice_maintenance_failures_total\{job="storage-upkeep"\} 0/);
    } finally {
      await gw.stop();
    }
  });
});
