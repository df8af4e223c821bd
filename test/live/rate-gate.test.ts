import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateGate } from '../../src/live/rate-gate.ts';

test('rate gate: the first N events of each one-second window pass, the rest are counted once', () => {
  const gate = new RateGate(2);
  const t0 = 1_000_000;
  assert.deepEqual(
    [t0, t0 + 1, t0 + 2, t0 + 999].map((t) => gate.admit(t)),
    [true, true, false, false],
  );
  assert.equal(gate.takeSkipped(), 2);
  assert.equal(gate.takeSkipped(), 0, 'the count resets once taken');
  assert.equal(gate.admit(t0 + 1000), true, 'a new window starts a second after the last one began');
  assert.equal(gate.admit(t0 + 1500), true);
  assert.equal(gate.admit(t0 + 1999), false);
  assert.equal(gate.admit(t0 + 2000), true);
  assert.equal(gate.takeSkipped(), 1);
});

test('rate gate: a quiet spell starts the next window at the next event, not on a fixed grid', () => {
  const gate = new RateGate(1);
  assert.equal(gate.admit(5_000), true);
  assert.equal(gate.admit(60_000), true);
  assert.equal(gate.admit(60_500), false);
  assert.equal(gate.admit(61_000), true);
});
