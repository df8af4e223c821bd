import type { FastifyInstance } from 'fastify';
import type { EndpointHealth } from '../../delivery/breaker.ts';
import type { RecentAttempt } from '../../store/console.ts';
import type { Store } from '../../store/store.ts';
import { endpointOf, endpointParams, type EndpointParams } from './params.ts';

/** Attempts an endpoint's health is computed from: the latest ones, read through the endpoint's attempt index. */
const SAMPLE = 200;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The `q`-quantile of sorted numbers (nearest rank), or `null` for none. */
export function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** What the console shows of an endpoint's health (pure). */
export function healthSummary(recent: RecentAttempt[], health: EndpointHealth | null, now: number) {
  const durations = recent.map((a) => a.durationMs).sort((a, b) => a - b);
  const lastFailure = recent.find((a) => !a.succeeded);
  return {
    sample: recent.length,
    successRate: recent.length ? recent.filter((a) => a.succeeded).length / recent.length : null,
    p50Ms: quantile(durations, 0.5),
    p99Ms: quantile(durations, 0.99),
    lastAttemptAt: iso(recent[0]?.startedAt ?? null),
    lastError: lastFailure ? { at: iso(lastFailure.startedAt), status: lastFailure.status, error: lastFailure.error } : null,
    breaker: health?.breaker ?? 'closed',
    breakerUntil: iso(health?.breakerUntil ?? null),
    consecutiveFailures: health?.consecutiveFailures ?? 0,
    failingSince: iso(health?.failingSince ?? null),
    throttledUntil: health?.throttleNextAt != null && health.throttleNextAt > now ? iso(health.throttleNextAt) : null,
  };
}

/** `GET /app/{app_id}/endpoint/{endpoint_id}/health`: success rate and latency of the latest attempts, breaker and throttle. */
export async function endpointHealthRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  app.get<{ Params: EndpointParams }>(
    '/app/:app_id/endpoint/:endpoint_id/health',
    {
      schema: {
        params: endpointParams,
      },
    },
    async (req) => {
      const { endpoint } = await endpointOf(store, req.params);
      const { health, recent } = await store.endpointHealth(endpoint.id, SAMPLE);
      return { disabled: endpoint.disabled, disabledReason: endpoint.disabledReason, ...healthSummary(recent, health, Date.now()) };
    },
  );
}
