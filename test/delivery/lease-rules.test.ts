import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { returnedState } from '../../src/delivery/lease-return.ts';
import { staleVerdict, type StaleHead } from '../../src/delivery/stale.ts';

describe('the state a lease returns to (pure)', () => {
  it('given back by its holder: pending until an attempt is recorded, then scheduled', () => {
    assert.equal(returnedState({ attempts: 0, fifo: true, orderingKey: 'k' }, 'released'), 'pending');
    assert.equal(returnedState({ attempts: 0, fifo: false, orderingKey: null }, 'released'), 'pending');
    assert.equal(returnedState({ attempts: 2, fifo: false, orderingKey: null }, 'released'), 'scheduled');
  });

  it('taken back after expiry: a keyed delivery of a FIFO endpoint counts as attempted, so it stays its key head', () => {
    assert.equal(returnedState({ attempts: 0, fifo: true, orderingKey: 'k' }, 'reclaimed'), 'scheduled');
    assert.equal(returnedState({ attempts: 0, fifo: true, orderingKey: null }, 'reclaimed'), 'pending');
    assert.equal(returnedState({ attempts: 0, fifo: false, orderingKey: 'k' }, 'reclaimed'), 'pending');
    assert.equal(returnedState({ attempts: 1, fifo: false, orderingKey: null }, 'reclaimed'), 'scheduled');
  });
});

describe('the stale rule (pure)', () => {
  const head = (over: Partial<StaleHead>): StaleHead => ({
    fifo: true,
    orderingKey: 'k',
    sequence: 3,
    mark: null,
    stalePolicy: 'skip',
    manual: false,
    ...over,
  });

  it('a head below its key mark is stale; at or above it, or with no mark, it is fresh', () => {
    assert.equal(staleVerdict(head({ mark: 5 })), 'skip');
    assert.equal(staleVerdict(head({ mark: 3 })), 'fresh');
    assert.equal(staleVerdict(head({ mark: 2 })), 'fresh');
    assert.equal(staleVerdict(head({ mark: null })), 'fresh');
  });

  it('only ordered deliveries can be stale: FIFO, keyed, with a sequence', () => {
    assert.equal(staleVerdict(head({ mark: 5, fifo: false })), 'fresh');
    assert.equal(staleVerdict(head({ mark: 5, orderingKey: null })), 'fresh');
    assert.equal(staleVerdict(head({ mark: 5, sequence: null })), 'fresh');
  });

  it('stalePolicy deliver and a manual replay send a stale head marked instead of skipping it', () => {
    assert.equal(staleVerdict(head({ mark: 5, stalePolicy: 'deliver' })), 'marked');
    assert.equal(staleVerdict(head({ mark: 5, manual: true })), 'marked');
  });
});
