import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { validateConfig } from '../../src/gateway/config.ts';

const base = (extra: string) =>
  parse(`apiToken: a-long-enough-api-token
brokers:
  rabbit: { type: rabbitmq, url: "amqp://guest:secret-pass@127.0.0.1:5672" }
  cache: { type: redis, url: "redis://127.0.0.1:6379" }
${extra}`);

function problems(extra: string): string[] {
  return validateConfig(base(extra)).problems;
}

describe('routing config', () => {
  it('reads broker endpoints into credential-free URLs, and transformations', () => {
    const { config } = validateConfig(
      base(`applications:
  a:
    endpoints:
      - { id: q, type: rabbitmq, connection: rabbit, exchange: hooks, routingKey: "x.{eventType}", transformation: "(w) => w" }
      - { id: s, type: redis, connection: cache, stream: "s:{eventType}" }
      - { id: h, url: "https://example.com/h", transformation: { code: "(w) => w", enabled: false } }
transformations: { timeout: 20ms, memoryLimit: 8MiB }`),
    );
    assert.ok(config);
    const [q, s, h] = config.applications.a!.endpoints;
    assert.equal(q?.url, 'rabbitmq://rabbit/hooks?routingKey=x.%7BeventType%7D');
    assert.deepEqual(q?.transformation, { code: '(w) => w', enabled: true });
    assert.equal(s?.url, 'redis://cache/s%3A%7BeventType%7D');
    assert.deepEqual(h?.transformation, { code: '(w) => w', enabled: false });
    assert.deepEqual(config.transformations, { timeoutMs: 20, memoryBytes: 8 * 1024 * 1024 });
    assert.doesNotMatch(JSON.stringify(config.applications), /secret-pass/);
  });

  it('names every mistake with its key', () => {
    const cases: Array<[string, RegExp]> = [
      [
        'applications: { a: { endpoints: [{ id: q, type: rabbitmq, connection: nope, exchange: x }] } }',
        /applications\.a\.endpoints\[0\]\.connection: "nope" is not under brokers \(known: rabbit, cache\)/,
      ],
      [
        'applications: { a: { endpoints: [{ id: q, type: nats, connection: rabbit, subject: x }] } }',
        /connection: "rabbit" is a rabbitmq connection, not nats/,
      ],
      ['applications: { a: { endpoints: [{ id: q, type: rabbitmq, connection: rabbit }] } }', /endpoints\[0\]\.exchange: required/],
      [
        'applications: { a: { endpoints: [{ id: q, type: redis, connection: cache, stream: s, exchange: x }] } }',
        /endpoints\[0\]\.exchange: does not apply to a redis endpoint/,
      ],
      [
        'applications: { a: { endpoints: [{ id: q, type: kafka, connection: cache }] } }',
        /endpoints\[0\]\.type: must be one of http, rabbitmq, nats, redis/,
      ],
      [
        'applications: { a: { endpoints: [{ id: q, type: redis, connection: cache, stream: s, url: "redis://x" }] } }',
        /endpoints\[0\]\.url: a redis endpoint names its connection instead/,
      ],
      [
        'applications: { a: { endpoints: [{ id: q, url: "https://e.com", transformation: "  " }] } }',
        /endpoints\[0\]\.transformation: the code must not be empty/,
      ],
      ['transformations: { timeout: forever }', /transformations\.timeout: must be a duration/],
      ['brokers: { b: { type: redis, url: "amqp://x" } }', /brokers\.b\.url: a redis URL starts with redis:\/\/ or rediss:\/\//],
    ];
    for (const [extra, expected] of cases) {
      // A case about `brokers:` itself replaces the base's connections.
      const found = extra.startsWith('brokers')
        ? validateConfig(parse(`apiToken: a-long-enough-api-token\n${extra}`)).problems
        : problems(extra);
      assert.ok(
        found.some((p) => expected.test(p)),
        `${extra}: ${found.join('; ')}`,
      );
      for (const p of found) assert.doesNotMatch(p, /secret-pass/);
    }
  });
});
