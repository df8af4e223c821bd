import { defaults } from './defaults.ts';
import type { Section } from './section.ts';

/** Bulk recovery jobs (`bulkJobs:`). */
export interface BulkJobsConfig {
  batchSize: number;
  batchPauseMs: number;
  pollIntervalMs: number;
  leaseMs: number;
}

/** OpenTelemetry (`telemetry:`); off unless `otlp.endpoint` is set. */
export interface TelemetryConfig {
  otlpEndpoint: string | undefined;
  /** Extra headers on every export (an API key of the collector). */
  otlpHeaders: Record<string, string>;
  serviceName: string;
}

export function readBulkJobs(top: Section): BulkJobsConfig {
  const s = top.child('bulkJobs');
  s?.onlyKeys(['batchSize', 'batchPause', 'pollInterval', 'lease']);
  return {
    batchSize: s?.int('batchSize', { min: 1, max: 100_000 }) ?? defaults.bulkBatchSize,
    batchPauseMs: s?.duration('batchPause', { min: 0, max: 60_000 }) ?? defaults.bulkBatchPauseMs,
    pollIntervalMs: s?.duration('pollInterval', { min: 10, max: 600_000 }) ?? defaults.bulkPollIntervalMs,
    leaseMs: s?.duration('lease', { min: 1_000 }) ?? defaults.bulkLeaseMs,
  };
}

export function readTelemetry(top: Section): TelemetryConfig {
  const s = top.child('telemetry');
  s?.onlyKeys(['otlp', 'serviceName']);
  const otlp = s?.child('otlp');
  otlp?.onlyKeys(['endpoint', 'headers']);
  const endpoint = otlp?.str('endpoint') ?? defaults.otlpEndpoint;
  if (endpoint !== undefined && !/^https?:\/\/[^/?#]+/.test(endpoint))
    otlp?.problem('endpoint', 'must be an absolute http(s) URL such as http://collector:4318');
  const headers: Record<string, string> = {};
  const h = otlp?.child('headers');
  for (const name of Object.keys(h?.value ?? {})) {
    const value = h?.str(name);
    if (value !== undefined) headers[name] = value;
  }
  return { otlpEndpoint: endpoint, otlpHeaders: headers, serviceName: s?.str('serviceName') ?? defaults.telemetryServiceName };
}
