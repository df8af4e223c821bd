import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { owedLeases, type DeliveryView, type EndpointView } from '../../src/delivery/liveness.ts';
import type { EndpointConfig } from '../../src/config/types.ts';
import type { LeasedDelivery, Store } from '../../src/store/store.ts';
import { result } from './cases-leasing.ts';
import { application, endpoint, leaseOptions, message, newSecret, stored, type StoreTarget } from './harness.ts';

/** Longer with FAULTS_FULL=1 (`npm run test:faults` sets it; run this file with it for the long form). */
const FULL = process.env.FAULTS_FULL === '1';
const RUNS = FULL ? 200 : 25;
const MAX_COMMANDS = FULL ? 60 : 30;

type Command =
  | { kind: 'ingest'; items: Array<{ key: string | null; seq: number; holdMs: number }> }
  | { kind: 'lease'; limit: number }
  | { kind: 'complete'; pick: number; outcome: 'ok' | 'retry-past' | 'retry-later' | 'dead' }
  | { kind: 'advance'; ms: number }
  | { kind: 'reclaim' };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('ingest' as const),
    items: fc.array(
      fc.record({
        key: fc.constantFrom('a', 'b', 'c', 'd', null),
        seq: fc.integer({ min: 1, max: 30 }),
        holdMs: fc.constantFrom(0, 0, 150, 400),
      }),
      { minLength: 1, maxLength: 12 },
    ),
  }),
  fc.record({ kind: fc.constant('lease' as const), limit: fc.integer({ min: 1, max: 4 }) }),
  fc.record({
    kind: fc.constant('complete' as const),
    pick: fc.nat(),
    outcome: fc.constantFrom('ok', 'ok', 'retry-past', 'retry-later', 'dead'),
  }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 600 }) }),
  fc.constant({ kind: 'reclaim' as const }),
);

const ENDPOINTS: EndpointConfig[] = [
  endpoint('fifo', { fifo: true, stale: 'deliver', concurrency: 2 }),
  endpoint('block', { fifo: true, stale: 'deliver', onDead: 'block', concurrency: 3 }),
  endpoint('plain', { concurrency: 2 }),
];

/**
 * One random interleaving on a fresh application: ingest (keyed, shuffled
 * sequences, some held back), completions (success, retries due in the past or
 * later, dead), time passing, expired leases taken back, and lease passes with
 * small limits (so the pass's read window is small and often full). Before
 * every pass the invariant (delivery/liveness.ts) computes, from the stored
 * state, what the pass owes; the pass must lease exactly that many (up to its
 * limit), each of them eligible. Ends by disabling the application's
 * endpoints, so the next run on the same store starts clean.
 */
async function run(store: Store, runNo: number, commands: Command[]): Promise<void> {
  const app = await store.syncApplication(application(`prop${runNo}`, ENDPOINTS), newSecret);
  const endpoints = await store.listEndpoints(app.id);
  const epViews: EndpointView[] = endpoints.map((e) => ({
    id: e.id,
    fifo: e.fifo,
    onDead: e.onDead,
    disabled: false,
    concurrency: e.concurrency ?? 100,
    blockedUntil: null,
  }));
  const sent = new Map<string, { key: string | null; seq: number }>();
  const mine = new Map<string, LeasedDelivery>();
  let offset = 1;
  const owner = `prop_${runNo}`;
  const snapshot = async (): Promise<DeliveryView[]> => {
    const out: DeliveryView[] = [];
    for (const [messageId, m] of sent) {
      for (const d of await store.listDeliveries(app.id, messageId)) {
        out.push({
          id: d.id,
          endpointId: d.endpointId,
          orderingKey: m.key,
          sequence: m.seq,
          createdAt: d.createdAt,
          state: d.state,
          nextAttemptAt: d.nextAttemptAt,
        });
      }
    }
    return out;
  };
  try {
    for (const [i, c] of commands.entries()) {
      const now = Date.now() + offset;
      if (c.kind === 'ingest') {
        const outcomes = await store.ingest(
          c.items.map((it) =>
            message(app.id, {
              orderingKey: it.key,
              sequence: it.seq,
              ...(it.holdMs ? { reorderWindowMs: it.holdMs } : {}),
            }),
          ),
        );
        for (const [j, o] of outcomes.entries()) sent.set(stored(o).messageId, { key: c.items[j]!.key, seq: c.items[j]!.seq });
      } else if (c.kind === 'advance') {
        offset += c.ms;
      } else if (c.kind === 'reclaim') {
        await store.reclaimExpiredLeases(now);
      } else if (c.kind === 'complete') {
        const flying = new Set((await snapshot()).filter((d) => d.state === 'in_flight').map((d) => d.id));
        for (const id of mine.keys()) if (!flying.has(id)) mine.delete(id);
        const held = [...mine.values()];
        if (held.length === 0) continue;
        const l = held[c.pick % held.length]!;
        mine.delete(l.delivery.id);
        const next =
          c.outcome === 'ok'
            ? { state: 'succeeded' as const }
            : c.outcome === 'dead'
              ? { state: 'dead' as const }
              : { state: 'scheduled' as const, at: c.outcome === 'retry-past' ? now - 50 : now + 300 };
        await store.recordAttempts([result(l, owner, next)]);
      } else {
        const state = await snapshot();
        const owed = owedLeases(epViews, state, now);
        const total = [...owed.values()].reduce((n, o) => n + o.owed, 0);
        const leased = await store.leaseDue(leaseOptions(owner, now, { limit: c.limit }));
        const where = `step ${i} (${c.kind} limit ${c.limit}), ${state.length} deliveries, owed ${total}`;
        for (const l of leased) {
          mine.set(l.delivery.id, l);
          assert.ok(
            owed.get(l.endpoint.id)?.eligible.has(l.delivery.id),
            `${where}: leased ${l.endpoint.uid}:${l.message.orderingKey}:${l.message.sequence}, not eligible`,
          );
        }
        for (const [endpointId, o] of owed) {
          assert.ok(leased.filter((l) => l.endpoint.id === endpointId).length <= o.owed, `${where}: over an endpoint's free slots`);
        }
        assert.equal(leased.length, Math.min(c.limit, total), `${where}: a pass leases what the invariant says it must`);
      }
    }
  } finally {
    await store.syncApplication(
      application(
        `prop${runNo}`,
        ENDPOINTS.map((e) => ({ ...e, disabled: true })),
      ),
      newSecret,
    );
  }
}

export function livenessPropertyCases(target: StoreTarget): void {
  it(
    `liveness (property, ${RUNS} random interleavings): every pass leases what is owed, nothing else`,
    { timeout: FULL ? 1_800_000 : 300_000 },
    () =>
      target.with(async ({ store }) => {
        let runNo = 0;
        await fc.assert(
          fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: MAX_COMMANDS }), async (commands) => {
            await run(store, runNo++, commands);
          }),
          { numRuns: RUNS, endOnFailure: true },
        );
      }),
  );
}
