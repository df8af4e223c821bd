import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/gateway/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { nextCursor } from '../../src/reconcile/github.ts';
import { retryable, withRetry } from '../../src/reconcile/retry.ts';

const base = 'apiToken: test-token-0123456789abcdef\napplications: { shop: {} }\n';
const problems = (yaml: string): string[] => {
  try {
    parseConfig(base + yaml, 'test.yaml', {}, { STRIPE_KEY: 'sk_test_x' });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

describe('reconciliation: retries, paging, config', () => {
  test('provider calls are retried on 429, 5xx and network errors only, then give up', async () => {
    let calls = 0;
    const flaky = () => {
      calls++;
      if (calls < 3) return Promise.reject(Object.assign(new Error('rate limited'), { statusCode: 429 }));
      return Promise.resolve('ok');
    };
    assert.equal(await withRetry(flaky, 4, 1), 'ok');
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(
      withRetry(
        () => {
          calls++;
          return Promise.reject(Object.assign(new Error('bad key'), { statusCode: 401 }));
        },
        4,
        1,
      ),
      /bad key/,
    );
    assert.equal(calls, 1, 'a 401 is not retried');
    calls = 0;
    await assert.rejects(
      withRetry(
        () => {
          calls++;
          return Promise.reject(Object.assign(new Error('down'), { status: 503 }));
        },
        3,
        1,
      ),
      /down/,
    );
    assert.equal(calls, 3);
    assert.equal(retryable(new Error('ECONNREFUSED')), true);
  });

  test('GitHub paging follows the cursor of Link rel="next"', () => {
    assert.equal(nextCursor('<https://api.github.com/repos/a/b/hooks/1/deliveries?per_page=2&cursor=v1_abc>; rel="next"'), 'v1_abc');
    assert.equal(nextCursor('<https://x/?cursor=p>; rel="prev"'), undefined);
    assert.equal(nextCursor(undefined), undefined);
  });

  test('reconcile: is checked, with credentials from the environment', () => {
    const ok = parseConfig(
      `${base}sources:\n  s: { provider: stripe, secret: whsec_x, application: shop, reconcile: { apiKey: "\${STRIPE_KEY}", lookback: 2d } }\n`,
      't.yaml',
      {},
      { STRIPE_KEY: 'sk_test_x' },
    );
    assert.deepEqual(
      [
        ok.sources.s?.reconcile?.provider,
        (ok.sources.s!.reconcile as unknown as { apiKey: string }).apiKey,
        ok.sources.s?.reconcile?.lookbackMs,
      ],
      ['stripe', 'sk_test_x', 2 * 86_400_000],
    );
    assert.match(
      problems('sources:\n  s: { provider: shopify, secret: x, application: shop, reconcile: { interval: 1h } }\n').join('\n'),
      /shopify has no API that lists the events/,
    );
    assert.match(
      problems('sources:\n  s: { provider: stripe, secret: whsec_x, application: shop, reconcile: { apiKey: k, lookback: 30d } }\n').join(
        '\n',
      ),
      /lookback: must not be longer than ingest.dedupeWindow/,
    );
    assert.match(
      problems('sources:\n  s: { provider: stripe, secret: whsec_x, application: shop, reconcile: {} }\n').join('\n'),
      /reconcile.apiKey: required/,
    );
    assert.match(
      problems('sources:\n  s: { provider: github, secret: x, application: shop, reconcile: { token: t } }\n').join('\n'),
      /hookId: required/,
    );
    assert.match(
      problems('sources:\n  s: { provider: github, secret: x, application: shop, reconcile: { token: t, hookId: 1 } }\n').join('\n'),
      /owner and repo/,
    );
  });

  test('alerts: config problems name their key', () => {
    const found = problems(`alerts:
  channels:
    s: { type: slack }
    w: { type: webhook, url: "http://x", secret: nope }
    m: { type: email, smtp: { host: h }, from: a@b }
  rules:
    - { name: r, kind: fancy, channels: [s] }
    - { name: q, kind: backlog, channels: [nobody] }
    - { name: q, kind: endpoint-failure-rate, threshold: 2, channels: [s] }
`).join('\n');
    for (const expected of [
      /alerts.channels.s.url: required/,
      /alerts.channels.w.secret: must be whsec_/,
      /alerts.channels.m.to: required/,
      /rules\[0\].kind: must be one of/,
      /rules\[1\].channels: "nobody" is not under alerts.channels/,
      /rules\[2\].name: "q" is used twice/,
      /rules\[2\].threshold: must be a ratio/,
    ]) {
      assert.match(found, expected);
    }
  });
});
