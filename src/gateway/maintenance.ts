import type { AlertEvaluator } from '../alerts/evaluator.ts';
import { defaults } from '../config/defaults.ts';
import type { Config } from '../config/types.ts';
import type { DeliveryWorker } from '../delivery/worker.ts';
import type { RejectionLog } from '../ingest/rejection-log.ts';
import type { FlowCounter } from '../live/flow-counter.ts';
import type { LiveRelay } from '../live/relay.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { ReconcileScheduler } from '../reconcile/scheduler.ts';
import type { RelayHub } from '../relay/hub.ts';
import { PeriodicRunner, systemTimers, type PeriodicJob, type RunObserver, type Timers } from './periodic-runner.ts';
import type { RoleParts } from './role.ts';
import type { StorageUpkeep } from './storage-upkeep.ts';

/** The parts of one process whose periodic work is scheduled here. */
export interface MaintainedParts {
  config: Config;
  parts: RoleParts;
  upkeep: StorageUpkeep;
  /** Present exactly when the role delivers (`parts.worker`). */
  worker: DeliveryWorker | undefined;
  flow: FlowCounter;
  rejections: RejectionLog;
  relay: LiveRelay;
  relayHub: RelayHub | undefined;
  alerts: AlertEvaluator;
  reconcile: ReconcileScheduler;
}

/** Which processes run a job: every one, or those whose role has that part of the work. */
type RunsIn = 'every role' | keyof RoleParts;

interface ScheduleRow extends PeriodicJob {
  runsIn: RunsIn;
  /** Off in this process whatever its role (no rules, no relay sessions, SQLite). */
  when?: boolean;
}

/**
 * Every periodic job of a process, in one table: what runs, how often, and in
 * which role. The bodies live with their concepts; only the timing is here.
 * Work loops that are woken by events (the delivery worker's lease passes, the
 * bulk-job runner, broker consumers) are not periodic jobs and keep their own loops.
 */
export function maintenanceSchedule(p: MaintainedParts): PeriodicJob[] {
  const { worker } = p;
  const rows: ScheduleRow[] = [
    // Its first pass is awaited before the gateway listens, so the current period's partitions exist.
    { name: 'storage-upkeep', runsIn: 'every role', everyMs: defaults.storageUpkeepEveryMs, run: (now) => p.upkeep.pass(now) },
    {
      name: 'lease-reclaim',
      runsIn: 'worker',
      everyMs: defaults.leaseReclaimEveryMs,
      firstAfterMs: 0,
      run: (now) => worker?.reclaimExpiredLeases(now),
    },
    {
      name: 'dedupe-purge',
      runsIn: 'worker',
      everyMs: defaults.dedupePurgeEveryMs,
      firstAfterMs: 0,
      run: (now) => worker?.purgeDedupe(now),
    },
    {
      name: 'payload-purge',
      runsIn: 'worker',
      everyMs: defaults.payloadPurgeEveryMs,
      firstAfterMs: 0,
      run: (now) => worker?.purgeExpired(now),
    },
    { name: 'flow-flush', runsIn: 'every role', everyMs: defaults.flowFlushMs, run: () => p.flow.flush() },
    {
      name: 'console-purge',
      runsIn: 'every role',
      everyMs: defaults.consolePurgeEveryMs,
      firstAfterMs: defaults.flowFlushMs,
      run: (now) => p.flow.purge(now),
    },
    { name: 'rejection-flush', runsIn: 'every role', everyMs: defaults.rejectionFlushMs, run: () => p.rejections.flush() },
    {
      name: 'live-relay-flush',
      runsIn: 'every role',
      when: p.relay.enabled,
      everyMs: defaults.liveRelayFlushMs,
      run: () => p.relay.flush(),
    },
    { name: 'relay-ping', runsIn: 'worker', when: p.relayHub !== undefined, everyMs: defaults.relayPingMs, run: () => p.relayHub?.ping() },
    {
      name: 'alert-evaluation',
      runsIn: 'every role',
      when: p.alerts.enabled,
      everyMs: p.config.alerts.evaluateIntervalMs,
      firstAfterMs: 0,
      run: (now) => p.alerts.tick(now),
    },
    {
      name: 'reconcile-check',
      runsIn: 'worker',
      when: p.reconcile.reconciling.length > 0,
      everyMs: defaults.reconcileCheckMs,
      firstAfterMs: 0,
      run: () => p.reconcile.check(),
    },
  ];
  return rows
    .filter((r) => r.when !== false && (r.runsIn === 'every role' || p.parts[r.runsIn]))
    .map(({ runsIn: _, when: __, ...job }) => job);
}

/** Per-job last run, last error and failures on `/metrics`. */
export function maintenanceMetrics(metrics: Metrics): RunObserver {
  return (job, run) => {
    metrics.maintenanceLastRun.set({ job }, run.at / 1000);
    if (run.error === undefined) return;
    metrics.maintenanceLastError.set({ job }, run.at / 1000);
    metrics.maintenanceFailures.inc({ job });
  };
}

/** The runner of this process's schedule; `start()` it once the process serves, `stop()` it first on the way down. */
export function maintenance(p: MaintainedParts, metrics: Metrics, log: Logger, timers: Timers = systemTimers): PeriodicRunner {
  const jobs = maintenanceSchedule(p);
  // Every job's series exists from the start, so a rate over the failures is defined before the first one.
  for (const job of jobs) metrics.maintenanceFailures.inc({ job: job.name }, 0);
  return new PeriodicRunner(jobs, log, timers, maintenanceMetrics(metrics));
}
