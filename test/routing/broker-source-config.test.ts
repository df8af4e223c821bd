import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { validateConfig } from '../../src/gateway/config.ts';
import type { BrokerSourceOptions } from '../../src/sources/provider.ts';

const base = (sources: string) =>
  validateConfig(
    parse(`apiToken: a-long-enough-api-token
brokers:
  rabbit: { type: rabbitmq, url: "amqp://guest:secret-pass@127.0.0.1:5672" }
  js: { type: nats, url: "nats://127.0.0.1:4222" }
  cache: { type: redis, url: "redis://127.0.0.1:6379" }
applications: { a: {} }
sources:
${sources}`),
  );

describe('broker source config', () => {
  it('reads each broker type with its defaults', () => {
    const { config, problems } = base(`  q: { provider: rabbitmq, connection: rabbit, queue: orders, application: a }
  n: { provider: nats, connection: js, stream: ORDERS, subject: "orders.>", consumer: gw, prefetch: 64, application: a }
  r: { provider: redis, connection: cache, stream: "orders:in", group: hooks, application: a, maxAttempts: 2, contentType: text/plain }`);
    assert.deepEqual(problems, []);
    const o = (name: string) => config?.sources[name]?.options as BrokerSourceOptions;
    assert.deepEqual(o('q'), {
      type: 'rabbitmq',
      connection: 'rabbit',
      from: 'orders',
      prefetch: 16,
      contentType: 'application/json',
      maxAttempts: 5,
      group: 'sluice',
      subject: undefined,
      consumer: undefined,
    });
    assert.equal(o('n').subject, 'orders.>');
    assert.equal(o('n').consumer, 'gw');
    assert.equal(o('n').prefetch, 64);
    assert.equal(o('r').group, 'hooks');
    assert.equal(o('r').maxAttempts, 2);
    assert.equal(o('r').contentType, 'text/plain');
    assert.doesNotMatch(JSON.stringify(config?.sources), /secret-pass/);
  });

  it('names every mistake with its key', () => {
    const cases: Array<[string, RegExp]> = [
      [
        '  s: { provider: rabbitmq, connection: nope, queue: q, application: a }',
        /sources\.s\.connection: "nope" is not under brokers \(known: rabbit, js, cache\)/,
      ],
      [
        '  s: { provider: nats, connection: rabbit, stream: S, application: a }',
        /sources\.s\.connection: "rabbit" is a rabbitmq connection, not nats/,
      ],
      ['  s: { provider: rabbitmq, connection: rabbit, application: a }', /sources\.s\.queue: required/],
      ['  s: { provider: redis, stream: x, application: a }', /sources\.s\.connection: required/],
      ['  s: { provider: rabbitmq, connection: rabbit, queue: q, stream: x, application: a }', /sources\.s\.stream: unknown key/],
      [
        '  s: { provider: redis, connection: cache, stream: x, secret: abc, application: a }',
        /sources\.s\.secret: does not apply to a redis source/,
      ],
      ['  s: { provider: nats, connection: js, stream: S, consumer: "a b", application: a }', /sources\.s\.consumer: use letters/],
      ['  s: { provider: redis, connection: cache, stream: x, prefetch: 0, application: a }', /sources\.s\.prefetch/],
      ['  s: { provider: rabbitmq, connection: rabbit, queue: q, maxAttempts: 1000, application: a }', /sources\.s\.maxAttempts/],
    ];
    for (const [yaml, want] of cases) {
      const { problems } = base(yaml);
      assert.ok(
        problems.some((p) => want.test(p)),
        `${yaml}\n  → ${problems.join('\n    ')}`,
      );
    }
  });

  it('reads the API opt-in of a connection and names its mistakes', () => {
    const read = (broker: string) => validateConfig(parse(`apiToken: a-long-enough-api-token\nbrokers:\n  b: ${broker}\n`));
    const ok = read('{ type: redis, url: "redis://127.0.0.1", allowApplications: [acme, "*"], destinationPrefix: "t.{app}." }');
    assert.deepEqual(ok.problems, []);
    assert.deepEqual(ok.config?.brokers.b, {
      name: 'b',
      type: 'redis',
      url: 'redis://127.0.0.1',
      allowApplications: ['acme', '*'],
      destinationPrefix: 't.{app}.',
    });
    assert.deepEqual(read('{ type: redis, url: "redis://127.0.0.1" }').config?.brokers.b?.allowApplications, []);
    assert.ok(
      read('{ type: redis, url: "redis://127.0.0.1", allowApplications: ["no way"] }').problems.some((p) =>
        /brokers\.b\.allowApplications: "no way" is neither/.test(p),
      ),
    );
    assert.ok(
      read('{ type: redis, url: "redis://127.0.0.1", destinationPrefix: "" }').problems.some((p) =>
        /brokers\.b\.destinationPrefix: must not be empty/.test(p),
      ),
    );
  });
});
