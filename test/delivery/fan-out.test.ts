import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planFanOut } from '../../src/delivery/fan-out.ts';
import { parseFilterText } from '../../src/delivery/filter.ts';

const endpoint = (id: string, over: Partial<Parameters<typeof planFanOut>[0][number]> = {}) => ({
  id,
  filterTypes: null,
  channels: null,
  disabled: false,
  filter: null,
  fifo: false,
  reorderWindowMs: null,
  recordSkipped: false,
  ...over,
});

const message = (over: Partial<Parameters<typeof planFanOut>[1]> = {}) => ({
  eventType: 'invoice.paid',
  channels: null,
  payload: Buffer.from('{"amount": 50}'),
  contentType: 'application/json',
  headers: {},
  orderingKey: null,
  ...over,
});

describe('fan-out plan', () => {
  const now = 1_000_000;

  it('is due now for each matching endpoint; nothing for one filtered by type or disabled', () => {
    const plan = planFanOut(
      [endpoint('a'), endpoint('b', { filterTypes: ['user.*'] }), endpoint('c', { disabled: true }), endpoint('d')],
      message(),
      now,
      undefined,
    );
    assert.deepEqual(plan, [
      { endpointId: 'a', state: 'pending', nextAt: now, skipReason: null },
      { endpointId: 'd', state: 'pending', nextAt: now, skipReason: null },
    ]);
  });

  it('records a payload-filtered delivery as skipped only where the endpoint asks for it', () => {
    const filter = parseFilterText('{"amount": {"$gte": 100}}');
    const plan = planFanOut([endpoint('quiet', { filter }), endpoint('loud', { filter, recordSkipped: true })], message(), now, undefined);
    assert.deepEqual(plan, [{ endpointId: 'loud', state: 'skipped', nextAt: null, skipReason: 'filtered' }]);
  });

  it('holds a keyed message back on FIFO endpoints (its own window, else the source’s) and never before notBefore', () => {
    const endpoints = [endpoint('plain'), endpoint('fifo', { fifo: true }), endpoint('own', { fifo: true, reorderWindowMs: 50 })];
    const due = (m: ReturnType<typeof message>, notBefore?: number) =>
      planFanOut(endpoints, m, now, 200, notBefore).map((p) => [p.endpointId, p.nextAt]);
    assert.deepEqual(due(message({ orderingKey: 'cus_1' })), [
      ['plain', now],
      ['fifo', now + 200],
      ['own', now + 50],
    ]);
    assert.deepEqual(due(message()), [
      ['plain', now],
      ['fifo', now],
      ['own', now],
    ]);
    assert.deepEqual(due(message({ orderingKey: 'cus_1' }), now + 100), [
      ['plain', now + 100],
      ['fifo', now + 200],
      ['own', now + 100],
    ]);
  });
});
