import type { RuleConfig } from '../config/alerts.ts';
import { defaults } from '../config/defaults.ts';
import type { Store } from '../store/store.ts';
import type { RejectionSampler } from './rejections.ts';
import type { Facts } from './rules.ts';

/** The last reconciliation run of each source, when reconciliation runs (`reconcile/`). */
export type ReconcileFacts = () => Promise<Facts['reconcile']>;

/** Reads what the rules need from the store, each kind of fact once per evaluation whatever the number of rules. */
export async function gatherFacts(
  store: Store,
  rules: RuleConfig[],
  sources: Array<{ name: string; appId: string }>,
  rejections: RejectionSampler,
  reconcile: ReconcileFacts | undefined,
  now: number,
): Promise<Facts> {
  const kinds = new Set(rules.map((r) => r.kind));
  const attemptWindows = new Set(
    rules.filter((r) => r.kind === 'endpoint-failure-rate' || r.kind === 'dead-deliveries').map((r) => r.windowMs),
  );
  const attempts = new Map<number, Awaited<ReturnType<Store['endpointAttemptStats']>>>();
  for (const w of attemptWindows) attempts.set(w, await store.endpointAttemptStats(now - w));
  const needEndpoints = attemptWindows.size > 0 || kinds.has('endpoint-disabled');
  const queue = { oldestDueAt: null as number | null, waiting: 0 };
  if (kinds.has('queue-lag') || kinds.has('backlog')) {
    const due = await store.nextDueAt();
    queue.oldestDueAt = due !== null && due <= now ? due : null;
    const b = await store.backlog();
    queue.waiting = b.pending + b.scheduled;
  }
  const learning = rules.some((r) => r.kind === 'source-silence' && r.threshold === null);
  const sourceFacts = new Map<string, { appId: string; lastAt: number | null; lookbackCount: number }>();
  for (const s of sources) {
    if (!kinds.has('source-silence')) {
      sourceFacts.set(s.name, { appId: s.appId, lastAt: null, lookbackCount: 0 });
      continue;
    }
    const activity = await store.sourceActivity(s.name, now - (learning ? defaults.alertSilenceLookbackMs : 60_000));
    sourceFacts.set(s.name, { appId: s.appId, lastAt: activity.lastAt, lookbackCount: activity.count });
  }
  const rejectionWindows = new Map<number, Map<string, number>>();
  for (const r of rules) if (r.kind === 'signature-rejections') rejectionWindows.set(r.windowMs, rejections.within(r.windowMs, now));
  return {
    now,
    attempts,
    endpoints: needEndpoints ? await store.endpointConditions() : [],
    queue,
    sources: sourceFacts,
    rejections: rejectionWindows,
    reconcile: kinds.has('reconcile-gap') && reconcile ? await reconcile() : new Map(),
  };
}
