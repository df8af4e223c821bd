import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { parseConfig } from '../../src/gateway/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { AddressGuard } from '../../src/delivery/ssrf.ts';
import { replayRisk } from '../../src/ingest/replay-risk.ts';
import { publicKeyOf } from '../../src/delivery/signature.ts';
import { startGateway } from '../../src/gateway/gateway.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { eventually, startTestGateway, tempDir } from '../helpers/gateway.ts';

const strict = new AddressGuard({ allowPrivateNetworks: false, allowCidrs: [], httpsOnly: false });
const TOKEN = 'a-long-enough-api-token';

function problemsOf(yaml: string): string[] {
  try {
    parseConfig(`apiToken: ${TOKEN}\n${yaml}`, 'test.yaml', {}, {});
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

test('SSRF corners: localhost. and IPv6 transition and site-local ranges are refused', () => {
  for (const url of ['http://localhost./x', 'http://LOCALHOST../x', 'http://api.localhost./x'])
    assert.match(strict.urlRefusal(url) ?? 'allowed', /loopback/, url);
  const refused: Array<[string, RegExp]> = [
    ['::ffff:0:7f00:1', /loopback/],
    ['64:ff9b:1::a00:1', /NAT64/],
    ['2002:7f00:1::1', /6to4/],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', /Teredo/],
    ['fec0::1', /site-local/],
    ['feff::1', /site-local/],
  ];
  for (const [address, why] of refused) assert.match(strict.refusal(address) ?? 'allowed', why, address);
  for (const url of ['http://[2002:7f00:1::1]/', 'http://[fec0::1]/', 'http://[::ffff:0:a9fe:a9fe]/'])
    assert.ok(strict.urlRefusal(url), url);
  assert.equal(strict.refusal('2001:4860:4860::8888'), null, 'public IPv6 still goes');
});

test('one header rule for both doors: YAML and API refuse framing, hop-by-hop, spoofing and undeliverable values', async () => {
  const bad: Array<[string, string]> = [
    ['Host', 'evil.example'],
    ['Content-Length', '5'],
    ['Transfer-Encoding', 'chunked'],
    ['Expect', '100-continue'],
    ['Upgrade', 'websocket'],
    ['Keep-Alive', '5'],
    ['sluice-attempt', '1'],
    ['webhook-id', 'x'],
    ['svix-id', 'x'],
    ['x-ok', 'caf\u00e9'],
    ['x-ok', 'a\r\nb: c'],
  ];
  for (const [name, value] of bad) {
    const problems = problemsOf(
      `applications:\n  shop:\n    endpoints:\n      - { id: e, url: "https://example.com/", headers: { ${JSON.stringify(name)}: ${JSON.stringify(value)} } }\n`,
    );
    assert.ok(
      problems.some((p) => p.startsWith(`applications.shop.endpoints[0].headers.${name}:`)),
      `YAML ${name}: ${problems.join('; ')}`,
    );
  }
  assert.deepEqual(
    problemsOf('applications:\n  shop:\n    endpoints:\n      - { id: e, url: "https://example.com/", headers: { X-Team: core } }\n'),
    [],
  );

  const gw = await startTestGateway('applications:\n  shop: {}\n', { logLevel: 'silent' });
  try {
    for (const [name, value] of bad) {
      const res = await gw.api('/app/shop/endpoint', {
        method: 'POST',
        body: JSON.stringify({ url: 'https://example.com/', headers: { [name]: value } }),
      });
      assert.equal(res.status, 422, `API ${name}`);
      assert.match(((await res.json()) as { detail: string }).detail, new RegExp(`body\\.headers\\.${name}`));
    }
    const ok = await gw.api('/app/shop/endpoint', {
      method: 'POST',
      body: JSON.stringify({ url: 'https://example.com/', headers: { 'X-Team': 'core' } }),
    });
    assert.equal(ok.status, 201);
  } finally {
    await gw.stop();
  }
});

test('replays: dedupeWindow shorter than a tolerance is a config error, tolerance is capped, replayable sources are named at start', async () => {
  const src = (extra: string) =>
    `applications:\n  shop: {}\nsources:\n  s: { provider: stripe, secret: whsec_x, application: shop${extra} }\n`;
  assert.ok(
    problemsOf(`ingest: { dedupeWindow: 2m }\n${src(', tolerance: 5m')}`).some((p) =>
      /^sources\.s\.tolerance: must be shorter than ingest\.dedupeWindow/.test(p),
    ),
  );
  assert.ok(problemsOf(src(', tolerance: 2h')).some((p) => /^sources\.s\.tolerance: must be at most/.test(p)));
  assert.deepEqual(problemsOf(src(', tolerance: 10m')), []);

  const config = parseConfig(
    `apiToken: ${TOKEN}
applications:
  shop: {}
sources:
  plain: { provider: hmac, secret: s, header: X-Sig, application: shop }
  stamped: { provider: hmac, secret: s, header: X-Sig, timestampHeader: X-Ts, application: shop, idempotencyKey: "body:$.id" }
  headerkey: { provider: stripe, secret: whsec_x, application: shop, idempotencyKey: "header:X-Request-Id" }
  std: { provider: standard-webhooks, secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, application: shop }
  gh: { provider: github, secret: s, application: shop }
  tok: { provider: token, secret: a-shared-token-value, header: X-Token, application: shop }
`,
    'test.yaml',
    {},
    {},
  );
  const risk = (name: string) => replayRisk(config.sources[name] as never);
  assert.match(risk('plain')?.problem ?? '', /replayed for ever/);
  assert.equal(risk('stamped'), null);
  assert.equal(risk('headerkey')?.key, 'sources.headerkey.idempotencyKey');
  assert.match(risk('headerkey')?.problem ?? '', /within the tolerance/);
  assert.equal(risk('std'), null);
  assert.match(risk('gh')?.problem ?? '', /header the signature does not cover/);
  assert.match(risk('tok')?.problem ?? '', /credential only/);

  const gw = await startTestGateway(
    'applications:\n  shop: {}\nsources:\n  plain: { provider: hmac, secret: s, header: X-Sig, application: shop }\n',
  );
  try {
    const line = gw.logs.lines.map((l) => JSON.parse(l) as { key?: string; msg: string }).find((l) => l.key === 'sources.plain');
    assert.ok(line, 'start-up warns naming the key');
    assert.match(line.msg, /replayed/);
  } finally {
    await gw.stop();
  }
});

test('slow clients: headers must arrive within server.headersTimeout, others are answered meanwhile, connections are capped', async () => {
  const gateway = await startTestGatewayWithServer('{ headersTimeout: 1s, maxConnections: 60 }');
  const sockets: Socket[] = [];
  try {
    const port = Number(new URL(gateway.url).port);
    const closed: boolean[] = [];
    for (let i = 0; i < 40; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.on('close', () => {
        closed[i] = true;
      });
      s.resume(); // read, so the server's close is seen
      s.write('POST /in/x HTTP/1.1\r\nHost: a\r\n');
      sockets.push(s);
    }
    await new Promise((r) => setTimeout(r, 200));
    const health = await fetch(`${gateway.url}/healthz`);
    assert.equal(health.status, 200, 'answered while slow sockets are held');
    await eventually(
      () => (closed.filter(Boolean).length === 40 ? true : undefined),
      10_000,
      'the slow sockets closed by the headers timeout',
    );

    // Past the cap, sockets are closed on accept; under it the gateway answers.
    const flood: Socket[] = [];
    for (let i = 0; i < 70; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.resume();
      flood.push(s);
    }
    sockets.push(...flood);
    const dropped = await eventually(
      () => {
        const n = flood.filter((s) => s.destroyed || s.readyState === 'closed').length;
        return n >= 10 ? n : undefined;
      },
      5_000,
      'sockets past the cap closed',
    );
    assert.ok(dropped >= 10);
    for (const s of flood) s.destroy();
    assert.equal(
      await eventually(
        async () => {
          try {
            const r = await fetch(`${gateway.url}/healthz`);
            return r.status;
          } catch {
            return undefined;
          }
        },
        5_000,
        'answering again',
      ),
      200,
    );
  } finally {
    for (const s of sockets) s.destroy();
    await gateway.stop();
  }
});

/** A gateway with its own `server:` settings (the shared helper fixes host and port only). */
async function startTestGatewayWithServer(server: string) {
  const tmp = tempDir();
  const config = parseConfig(
    `apiToken: ${TOKEN}\nserver: ${server.replace('{ ', '{ host: 127.0.0.1, port: 0, ')}\ndataDir: ${tmp.dir}\napplications:\n  shop: {}\n`,
    'test.yaml',
    {},
    {},
  );
  const gateway = await startGateway(config, createLogger('silent'));
  return {
    url: gateway.url,
    stop: async () => {
      await gateway.stop();
      tmp.remove();
    },
  };
}

test('responses: API answers carry no-store and nosniff; /metrics asks for its token and can move to its own address', async () => {
  const gw = await startTestGateway('metrics: { token: metrics-token-0123456789 }\napplications:\n  shop: {}\n', { logLevel: 'silent' });
  try {
    for (const res of [
      await gw.api('/app/shop'),
      await fetch(`${gw.url}/api/v1/app/shop`),
      await gw.api('/auth/app-portal-access/shop', { method: 'POST', body: '{}' }),
    ]) {
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      await res.arrayBuffer();
    }
    assert.equal((await fetch(`${gw.url}/metrics`)).status, 401);
    const scraped = await fetch(`${gw.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } });
    assert.equal(scraped.status, 200);
    assert.match(await scraped.text(), /sluice_/);
  } finally {
    await gw.stop();
  }
  const apart = await startTestGateway('metrics: { listen: "127.0.0.1:0" }\napplications:\n  shop: {}\n', { logLevel: 'silent' });
  try {
    assert.equal((await fetch(`${apart.url}/metrics`)).status, 404, 'not on the main port');
    assert.notEqual(apart.gateway.metricsUrl, `${apart.url}/metrics`);
    assert.equal((await fetch(apart.gateway.metricsUrl)).status, 200);
  } finally {
    await apart.stop();
  }
});

test('GET …/secret answers the public key of an ed25519 endpoint; the signing key only through …/secret/signing-key', async () => {
  const gw = await startTestGateway('applications:\n  shop: {}\n', { logLevel: 'silent' });
  try {
    const key = `whsk_${Buffer.alloc(32, 7).toString('base64')}`;
    const ep = (await (
      await gw.api('/app/shop/endpoint', { method: 'POST', body: JSON.stringify({ url: 'https://example.com/', secret: key }) })
    ).json()) as { id: string };
    const pub = (await (await gw.api(`/app/shop/endpoint/${ep.id}/secret`)).json()) as { key: string };
    assert.equal(pub.key, publicKeyOf(key));
    assert.ok(pub.key.startsWith('whpk_'));
    const priv = (await (await gw.api(`/app/shop/endpoint/${ep.id}/secret/signing-key`)).json()) as { key: string };
    assert.equal(priv.key, key);
    const portal = ((await (await gw.api('/auth/app-portal-access/shop', { method: 'POST', body: '{}' })).json()) as { token: string })
      .token;
    const res = await fetch(`${gw.url}/api/v1/app/shop/endpoint/${ep.id}/secret/signing-key`, {
      headers: { authorization: `Bearer ${portal}` },
    });
    assert.equal(res.status, 403);
  } finally {
    await gw.stop();
  }
});
