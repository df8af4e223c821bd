import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig } from '../../src/gateway/config.ts';
import { compileFilter, FilterSyntaxError, parseFilterText } from '../../src/delivery/filter.ts';

const order = {
  type: 'order.paid',
  data: { id: 'ord_1', amount: 1500, currency: 'eur', status: 'paid', tags: ['vip', 'eu'], customer: { country: 'DE', email: null } },
  items: [
    { sku: 'A-1', qty: 2 },
    { sku: 'B-7', qty: 1 },
  ],
};
const headers = { 'x-env': 'live', 'x-shop': 'berlin' };

/** [filter, payload matches?] against `order` and `headers`. */
const table: Array<[unknown, boolean]> = [
  [{}, true],
  [{ type: 'order.paid' }, true],
  [{ type: 'order.refunded' }, false],
  [{ 'data.amount': 1500 }, true],
  [{ 'data.amount': '1500' }, false],
  [{ data: { status: 'paid', customer: { country: 'DE' } } }, true],
  [{ data: { customer: { country: 'FR' } } }, false],
  [{ 'data.currency': { $in: ['usd', 'eur'] } }, true],
  [{ 'data.currency': { $nin: ['usd', 'eur'] } }, false],
  [{ 'data.missing': { $nin: ['x'] } }, true],
  [{ 'data.amount': { $gt: 1000, $lte: 1500 } }, true],
  [{ 'data.amount': { $gt: 1500 } }, false],
  [{ 'data.amount': { $gte: 1500 } }, true],
  [{ 'data.amount': { $lt: 100 } }, false],
  [{ 'data.status': { $gt: 'a' } }, true],
  [{ 'data.amount': { $gt: 'a' } }, false],
  [{ 'data.refund': { $exists: false } }, true],
  [{ 'data.refund': { $exists: true } }, false],
  [{ 'data.customer.email': { $exists: true } }, true],
  [{ 'data.customer.email': null }, true],
  [{ 'data.nothing': null }, true],
  [{ 'data.tags': 'vip' }, true],
  [{ 'data.tags': ['vip', 'eu'] }, true],
  [{ 'data.tags': ['eu', 'vip'] }, false],
  [{ 'items.1.sku': 'B-7' }, true],
  [{ 'items.2.sku': { $exists: true } }, false],
  [{ $or: [{ 'data.amount': { $lt: 10 } }, { 'data.currency': 'eur' }] }, true],
  [{ $or: [{ 'data.amount': { $lt: 10 } }, { 'data.currency': 'usd' }] }, false],
  [{ $and: [{ type: 'order.paid' }, { 'data.amount': { $gte: 1000 } }] }, true],
  [{ $and: [{ type: 'order.paid' }, { 'data.amount': { $gte: 9000 } }] }, false],
  [{ $not: { 'data.status': 'refunded' } }, true],
  [{ 'data.status': { $not: { $in: ['paid', 'pending'] } } }, false],
  [{ 'data.status': { $ne: 'paid' } }, false],
  [{ $headers: { 'X-Env': 'live' } }, true],
  [{ $headers: { 'x-env': { $in: ['test', 'staging'] } } }, false],
  [{ type: 'order.paid', $headers: { 'x-shop': { $exists: true } }, 'data.amount': { $gte: 1000 } }, true],
];

/** [filter, where the error is]. */
const malformed: Array<[unknown, string]> = [
  [[], ''],
  ['text', ''],
  [{ 'data.amount': { $gt: true } }, 'data.amount.$gt'],
  [{ 'data.amount': { $between: [1, 2] } }, 'data.amount.$between'],
  [{ 'data.currency': { $in: 'eur' } }, 'data.currency.$in'],
  [{ $or: [] }, '$or'],
  [{ $or: [{ a: 1 }, 'b'] }, '$or[1]'],
  [{ $and: { a: 1 } }, '$and'],
  [{ $where: 'x' }, '$where'],
  [{ 'data.refund': { $exists: 'yes' } }, 'data.refund.$exists'],
  [{ data: { $gt: 1, status: 'paid' } }, 'data'],
  [{ 'data..amount': 1 }, 'data..amount'],
  [{ $or: [{ $headers: { a: '1' } }] }, '$or[0].$headers'],
];

describe('payload filters', () => {
  for (const [filter, expected] of table) {
    it(`${JSON.stringify(filter)} → ${expected ? 'match' : 'no match'}`, () => {
      assert.equal(compileFilter(filter)({ body: order, headers }), expected);
    });
  }

  for (const [filter, at] of malformed) {
    it(`refuses ${JSON.stringify(filter)} at "${at}"`, () => {
      assert.throws(
        () => compileFilter(filter),
        (err: unknown) => err instanceof FilterSyntaxError && err.at === at,
      );
    });
  }

  it('refuses JSON text that does not parse, naming the character', () => {
    assert.throws(
      () => parseFilterText('{"type": "order.paid",}'),
      (err: unknown) => err instanceof FilterSyntaxError && /not valid JSON at character 22/.test(err.message),
    );
    assert.deepEqual(parseFilterText('{"type":"a"}'), { type: 'a' });
  });

  it('a body that is not JSON matches only filters that ask for nothing in it', () => {
    assert.equal(compileFilter({ type: 'x' })({ body: undefined, headers }), false);
    assert.equal(compileFilter({ type: { $exists: false } })({ body: undefined, headers }), true);
  });

  it('the config refuses a malformed filter with its key path, and takes a JSON string', () => {
    const yaml = (filter: unknown) => ({
      apiToken: 'x'.repeat(20),
      applications: { shop: { endpoints: [{ id: 'a', url: 'http://127.0.0.1:9/a', filter }] } },
    });
    const bad = validateConfig(yaml({ $or: [{ amount: { $gt: [] } }] }));
    assert.deepEqual(bad.problems, ['applications.shop.endpoints[0].filter.$or[0].amount.$gt: must be a number or a string']);
    const badText = validateConfig(yaml('{"amount": '));
    assert.match(badText.problems[0] ?? '', /^applications\.shop\.endpoints\[0\]\.filter: not valid JSON at character 11/);
    const good = validateConfig(yaml('{"amount": {"$gte": 10}}'));
    assert.deepEqual(good.config?.applications.shop?.endpoints[0]?.filter, { amount: { $gte: 10 } });
  });
});
