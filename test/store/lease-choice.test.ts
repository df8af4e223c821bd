import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storeRules } from '../../src/delivery/store-rules.ts';
import { type Candidate, chooseLeases } from '../../src/store/sql/lease-pass.ts';

const NOW = 1_700_000_000_000;

const candidate = (id: string, over: Partial<Candidate> = {}): Candidate => ({
  id,
  endpointId: 'ep_a',
  orderingKey: null,
  sequence: null,
  manual: false,
  due: NOW - 1000,
  fifo: false,
  stalePolicy: 'skip',
  cap: 10,
  timeout: 5000,
  rate: null,
  ...over,
});

const choose = (candidates: Candidate[], opts: { limit?: number; marks?: Map<string, number>; inFlight?: Map<string, number> } = {}) =>
  chooseLeases(storeRules, storeRules.leaseGate(NOW), candidates, opts.marks ?? new Map(), opts.inFlight ?? new Map(), {
    now: NOW,
    leaseGraceMs: 1000,
    limit: opts.limit ?? 10,
  });

describe('which candidates a lease pass takes (pure, clock injected)', () => {
  it('takes them in order while their endpoint has room, counting what the pass itself takes', () => {
    const choice = choose(
      [candidate('d1', { cap: 2 }), candidate('d2', { cap: 2 }), candidate('d3', { cap: 2 }), candidate('d4', { endpointId: 'ep_b' })],
      {
        inFlight: new Map([['ep_a', 1]]),
      },
    );
    assert.deepEqual(
      choice.picks.map((p) => p.candidate.id),
      ['d1', 'd4'],
    );
    assert.equal(choice.full, 2);
    assert.equal(choice.picks[0]?.expires, NOW + 5000 + 1000, 'the lease lasts the timeout and the grace');
  });

  it('stops at the limit, yet skips every stale head it read', () => {
    const keyed = { fifo: true, orderingKey: 'k', sequence: 1 };
    const marks = new Map([
      ['ep_a\u0000k', 5],
      ['ep_b\u0000k', 5],
    ]);
    const choice = choose([candidate('d1'), candidate('d2', { ...keyed }), candidate('d3', { ...keyed, endpointId: 'ep_b' })], {
      limit: 1,
      marks,
    });
    assert.deepEqual(
      choice.picks.map((p) => p.candidate.id),
      ['d1'],
    );
    assert.deepEqual(choice.skip, ['d2', 'd3']);
  });

  it('a stale head of a deliver-stale endpoint, or a manual replay, goes marked', () => {
    const keyed = { fifo: true, orderingKey: 'k', sequence: 1 };
    const marks = new Map([['ep_a\u0000k', 5]]);
    const choice = choose([candidate('d1', { ...keyed, stalePolicy: 'deliver' })], { marks });
    assert.deepEqual(
      choice.picks.map((p) => [p.candidate.id, p.stale]),
      [['d1', true]],
    );
    assert.deepEqual(
      choose([candidate('d2', { ...keyed, manual: true })], { marks }).picks.map((p) => p.stale),
      [true],
    );
  });

  it('a throttled endpoint admits one delivery per slot', () => {
    const choice = choose([candidate('d1', { rate: 1 }), candidate('d2', { rate: 1 })]);
    assert.deepEqual(
      choice.picks.map((p) => p.candidate.id),
      ['d1'],
    );
  });
});
