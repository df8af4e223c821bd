import type { Logger } from '../observability/logger.ts';

/** One periodic job: its body lives with its concept; the runner only decides when it runs. */
export interface PeriodicJob {
  /** Stable name: the `job` field of its log lines and the label of its metrics. */
  name: string;
  /** From the start of one run to the start of the next (a run that takes longer delays the next, never overlaps it). */
  everyMs: number;
  /** The first run comes this long after `start()` (0: within it); one interval when unset. */
  firstAfterMs?: number;
  /** The job's body; what it returns is awaited and otherwise ignored. */
  run(now: number): unknown;
}

/** Time and timers, injected so that a test drives the runner without waiting on the wall clock. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process's clock; its timers never keep a stopping process alive. */
export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What a job's last runs came to (`/metrics`, tests). Times are the runs' start times. */
export interface JobStatus {
  name: string;
  everyMs: number;
  runs: number;
  failures: number;
  lastRunAt: number | null;
  lastErrorAt: number | null;
  lastError: string | null;
}

/** Told after every run, so the metrics follow without the runner knowing about them. */
export type RunObserver = (job: string, run: { at: number; durationMs: number; error?: unknown }) => void;

interface Slot {
  job: PeriodicJob;
  status: JobStatus;
  timer: unknown;
  running: Promise<void> | undefined;
}

/**
 * Runs periodic jobs, each on its own timer. A job that throws is logged with
 * its name and runs again at its next interval: a background loop never dies
 * silently and one failing job never holds up another. `stop()` clears every
 * timer and waits for the runs under way.
 */
export class PeriodicRunner {
  private readonly slots = new Map<string, Slot>();
  private started = false;
  private stopped = false;

  constructor(
    jobs: readonly PeriodicJob[],
    private readonly log: Logger,
    private readonly timers: Timers = systemTimers,
    private readonly observe?: RunObserver,
  ) {
    for (const job of jobs) {
      if (this.slots.has(job.name)) throw new Error(`periodic job "${job.name}" is scheduled twice`);
      const status: JobStatus = {
        name: job.name,
        everyMs: job.everyMs,
        runs: 0,
        failures: 0,
        lastRunAt: null,
        lastErrorAt: null,
        lastError: null,
      };
      this.slots.set(job.name, { job, status, timer: undefined, running: undefined });
    }
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const slot of this.slots.values()) {
      const first = slot.job.firstAfterMs ?? slot.job.everyMs;
      // At once rather than on a timer: a job due at start begins before whatever the caller starts next.
      if (first === 0) void this.run(slot);
      else this.schedule(slot, first);
    }
  }

  /** The jobs' names, in schedule order. */
  get names(): string[] {
    return [...this.slots.keys()];
  }

  status(): JobStatus[] {
    return [...this.slots.values()].map((s) => ({ ...s.status }));
  }

  /** Runs one job now (or waits for its run under way); its timer carries on from this run. */
  runNow(name: string): Promise<void> {
    const slot = this.slots.get(name);
    if (!slot) return Promise.reject(new Error(`no periodic job "${name}"`));
    return slot.running ?? this.run(slot);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const slot of this.slots.values()) this.timers.clearTimeout(slot.timer);
    await Promise.all([...this.slots.values()].map((s) => s.running));
  }

  private schedule(slot: Slot, ms: number): void {
    if (this.stopped) return;
    this.timers.clearTimeout(slot.timer);
    slot.timer = this.timers.setTimeout(() => {
      slot.timer = undefined;
      void this.run(slot);
    }, ms);
  }

  private run(slot: Slot): Promise<void> {
    const at = this.timers.now();
    this.timers.clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.running = (async () => {
      const { job, status } = slot;
      let error: unknown;
      try {
        await job.run(at);
      } catch (err) {
        error = err ?? new Error('the job threw without a reason');
      }
      const durationMs = this.timers.now() - at;
      status.runs++;
      status.lastRunAt = at;
      if (error !== undefined) {
        status.failures++;
        status.lastErrorAt = at;
        status.lastError = error instanceof Error ? error.message : String(error);
        this.log.error(
          { err: error, job: job.name, everyMs: job.everyMs, failures: status.failures },
          `maintenance: ${job.name} failed; it runs again at its next interval`,
        );
      }
      try {
        this.observe?.(job.name, { at, durationMs, ...(error !== undefined ? { error } : {}) });
      } catch (err) {
        this.log.warn({ err, job: job.name }, 'maintenance: recording the outcome of a run failed');
      }
      slot.running = undefined;
      if (this.started) this.schedule(slot, Math.max(0, job.everyMs - durationMs));
    })();
    return slot.running;
  }
}
