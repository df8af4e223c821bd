import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Backlog } from '../store/store.ts';

/** Every metric Sluice exports, on its own registry (several gateways can share a process in tests). */
export class Metrics {
  readonly registry = new Registry();

  readonly received = new Counter({
    name: 'sluice_ingest_received_total',
    help: 'Requests received on /in/:source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly verified = new Counter({
    name: 'sluice_ingest_verified_total',
    help: 'Requests whose signature verified.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'sluice_ingest_rejected_total',
    help: 'Requests refused before storage (bad signature, too large, unknown source).',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });
  readonly consumerConnected = new Gauge({
    name: 'sluice_source_consumer_connected',
    help: 'Whether a broker source is consuming now (1) or waiting to reconnect (0).',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly consumerReconnects = new Counter({
    name: 'sluice_source_consumer_reconnects_total',
    help: 'Broker source sessions that ended with the connection lost (or never opened) and were retried.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly duplicates = new Counter({
    name: 'sluice_ingest_duplicate_total',
    help: 'Requests dropped as duplicates of a stored event.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly stored = new Counter({
    name: 'sluice_ingest_stored_total',
    help: 'Messages stored, by state (accepted, invalid).',
    labelNames: ['source', 'state'] as const,
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'sluice_delivery_attempts_total',
    help: 'Delivery attempts by endpoint and outcome (succeeded, retry, dead, disabled).',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly attemptSeconds = new Histogram({
    name: 'sluice_delivery_attempt_seconds',
    help: 'Duration of delivery attempts.',
    labelNames: ['endpoint'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly backlog = new Gauge({
    name: 'sluice_deliveries_backlog',
    help: 'Deliveries waiting, by state (pending, scheduled, in_flight).',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly stalls = new Counter({
    name: 'sluice_delivery_stalls_total',
    help: 'Times the worker found due, leasable deliveries that its lease passes had not leased for several poll intervals while it had free slots (each followed by a full scan).',
    registers: [this.registry],
  });
  readonly stalledLeasable = new Gauge({
    name: 'sluice_delivery_stalled_leasable',
    help: 'Leasable deliveries the last stall check found unleased (0 when the check found none).',
    registers: [this.registry],
  });

  readonly maintenanceLastRun = new Gauge({
    name: 'sluice_maintenance_last_run_timestamp_seconds',
    help: 'When each periodic job (src/gateway/maintenance.ts) last started a run that has finished, failed or not (Unix time).',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });
  readonly maintenanceLastError = new Gauge({
    name: 'sluice_maintenance_last_error_timestamp_seconds',
    help: 'When each periodic job last started a run that failed (Unix time; absent while none has).',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });
  readonly maintenanceFailures = new Counter({
    name: 'sluice_maintenance_failures_total',
    help: 'Runs of each periodic job that threw (each logged; the job runs again at its next interval).',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });

  setBacklog(b: Backlog): void {
    this.backlog.set({ state: 'pending' }, b.pending);
    this.backlog.set({ state: 'scheduled' }, b.scheduled);
    this.backlog.set({ state: 'in_flight' }, b.inFlight);
  }
}
