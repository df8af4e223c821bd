import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpointMatches, holdBackMs, routeMessage, typeMatches } from '../../src/delivery/routing.ts';
import { parseFilterText } from '../../src/delivery/filter.ts';

describe('event type patterns', () => {
  it('match exactly, with * for one segment, and a trailing * for one or more', () => {
    assert.equal(typeMatches('invoice.paid', 'invoice.paid'), true);
    assert.equal(typeMatches('invoice.paid', 'invoice.paid.late'), false);
    assert.equal(typeMatches('*', 'anything.at.all'), true);
    assert.equal(typeMatches('invoice.*.failed', 'invoice.payment.failed'), true);
    assert.equal(typeMatches('invoice.*.failed', 'invoice.payment.late.failed'), false);
    assert.equal(typeMatches('invoice.*', 'invoice.paid'), true);
    assert.equal(typeMatches('invoice.*', 'invoice.payment.failed'), true);
    assert.equal(typeMatches('invoice.*', 'invoice'), false);
    assert.equal(typeMatches('invoice.*', 'invoicex.paid'), false);
  });
});

const endpoint = (over: Partial<Parameters<typeof endpointMatches>[0]> = {}) => ({
  filterTypes: null,
  channels: null,
  disabled: false,
  ...over,
});

describe('endpoint selection', () => {
  it('takes everything without filters, nothing when disabled', () => {
    assert.equal(endpointMatches(endpoint(), null, null), true);
    assert.equal(endpointMatches(endpoint({ disabled: true }), 'a.b', null), false);
  });

  it('needs a matching type when it filters types (an untyped message matches none)', () => {
    const e = endpoint({ filterTypes: ['user.*', 'order.paid'] });
    assert.equal(endpointMatches(e, 'user.created', null), true);
    assert.equal(endpointMatches(e, 'order.paid', null), true);
    assert.equal(endpointMatches(e, 'order.refunded', null), false);
    assert.equal(endpointMatches(e, null, null), false);
    assert.equal(endpointMatches(endpoint({ filterTypes: [] }), null, null), true, 'an empty list filters nothing');
  });

  it('needs one shared channel when it lists channels', () => {
    const e = endpoint({ channels: ['eu', 'beta'] });
    assert.equal(endpointMatches(e, 'a.b', ['us', 'beta']), true);
    assert.equal(endpointMatches(e, 'a.b', ['us']), false);
    assert.equal(endpointMatches(e, 'a.b', null), false);
  });

  it('routes by type and channel first, then the payload filter, parsing the body once', () => {
    const filter = parseFilterText('{"amount": {"$gte": 100}}');
    const endpoints = [
      { id: 'all', ...endpoint(), filter: null },
      { id: 'big', ...endpoint(), filter },
      { id: 'other-type', ...endpoint({ filterTypes: ['x.y'] }), filter },
    ];
    const route = (amount: number) =>
      routeMessage(endpoints, {
        eventType: 'a.b',
        channels: null,
        payload: Buffer.from(JSON.stringify({ amount })),
        contentType: 'application/json',
        headers: {},
      }).map((r) => `${r.endpoint.id}:${r.route}`);
    assert.deepEqual(route(150), ['all:deliver', 'big:deliver']);
    assert.deepEqual(route(50), ['all:deliver', 'big:filtered']);
  });

  it('a body that is not JSON fails a payload filter instead of throwing', () => {
    const filter = parseFilterText('{"amount": {"$gte": 100}}');
    const routed = routeMessage([{ ...endpoint(), filter }], {
      eventType: 'a.b',
      channels: null,
      payload: Buffer.from('{not json'),
      contentType: 'application/json',
      headers: {},
    });
    assert.deepEqual(
      routed.map((r) => r.route),
      ['filtered'],
    );
  });
});

describe('reorder hold-back', () => {
  it('holds only keyed messages on FIFO endpoints, the endpoint window before the source window', () => {
    assert.equal(holdBackMs({ fifo: false, reorderWindowMs: 500 }, 'k', 200), 0);
    assert.equal(holdBackMs({ fifo: true, reorderWindowMs: 500 }, null, 200), 0);
    assert.equal(holdBackMs({ fifo: true, reorderWindowMs: 500 }, 'k', 200), 500);
    assert.equal(holdBackMs({ fifo: true, reorderWindowMs: null }, 'k', 200), 200);
    assert.equal(holdBackMs({ fifo: true, reorderWindowMs: null }, 'k', undefined), 0);
  });
});
