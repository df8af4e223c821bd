import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFifoHead, type KeyedDelivery } from '../../src/delivery/fifo-head.ts';
import { owedLeases, type DeliveryView, type EndpointView } from '../../src/delivery/liveness.ts';

const d = (id: string, state: KeyedDelivery['state'], sequence: number | null, createdAt = 0): KeyedDelivery => ({
  id,
  state,
  sequence,
  createdAt,
});

describe('FIFO head rule (pure)', () => {
  it('the lowest sequence waiting is the head; ties by id; no sequence orders by arrival', () => {
    const key = [d('b', 'pending', 2), d('a', 'pending', 1), d('c', 'pending', 1)];
    assert.deepEqual(
      key.filter((x) => isFifoHead(x, key, 'skip')).map((x) => x.id),
      ['a'],
    );
    const bare = [d('x', 'pending', null, 20), d('y', 'pending', null, 10)];
    assert.deepEqual(
      bare.filter((x) => isFifoHead(x, bare, 'skip')).map((x) => x.id),
      ['y'],
    );
  });

  it('anything in flight holds the key; an attempted one goes before an unattempted lower one', () => {
    const flying = [d('a', 'in_flight', 5), d('b', 'pending', 1)];
    assert.equal(isFifoHead(flying[1]!, flying, 'skip'), false);
    const retry = [d('a', 'scheduled', 5), d('b', 'pending', 1)];
    assert.deepEqual(
      retry.filter((x) => isFifoHead(x, retry, 'skip')).map((x) => x.id),
      ['a'],
    );
  });

  it('a dead one below holds the key only under onDead: block; finished ones never do', () => {
    const key = [d('a', 'dead', 1), d('b', 'pending', 2), d('c', 'succeeded', 0), d('e', 'skipped', 0)];
    assert.equal(isFifoHead(key[1]!, key, 'skip'), true);
    assert.equal(isFifoHead(key[1]!, key, 'block'), false);
  });
});

describe('liveness invariant: what a pass owes (pure)', () => {
  const ep = (id: string, over: Partial<EndpointView> = {}): EndpointView => ({
    id,
    fifo: true,
    onDead: 'skip',
    disabled: false,
    concurrency: 2,
    blockedUntil: null,
    ...over,
  });
  const del = (
    id: string,
    endpointId: string,
    key: string | null,
    sequence: number,
    state: DeliveryView['state'] = 'pending',
    nextAttemptAt: number | null = 0,
  ): DeliveryView => ({ id, endpointId, orderingKey: key, sequence, createdAt: 0, state, nextAttemptAt });

  it('due heads of open endpoints, bounded by free slots; nothing for disabled, blocked, full or not-yet-due', () => {
    const endpoints = [ep('e1'), ep('off', { disabled: true }), ep('held', { blockedUntil: 500 }), ep('full', { concurrency: 1 })];
    const deliveries = [
      del('1', 'e1', 'a', 1),
      del('2', 'e1', 'a', 2),
      del('3', 'e1', 'b', 1),
      del('4', 'e1', 'c', 1),
      del('5', 'e1', 'd', 1, 'pending', 200),
      del('6', 'off', 'a', 1),
      del('7', 'held', 'a', 1),
      del('8', 'full', 'a', 1, 'in_flight'),
      del('9', 'full', 'b', 1),
    ];
    const owed = owedLeases(endpoints, deliveries, 100);
    assert.deepEqual([...owed.keys()], ['e1']);
    assert.deepEqual([...owed.get('e1')!.eligible].sort(), ['1', '3', '4']);
    assert.equal(owed.get('e1')!.owed, 2, 'two free slots');
    assert.deepEqual([...owedLeases(endpoints, deliveries, 600).keys()], ['e1', 'held'], "the breaker's hold ends");
  });
});
