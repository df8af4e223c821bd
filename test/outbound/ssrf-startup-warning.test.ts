import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestGateway } from '../helpers/gateway.ts';

test('a YAML endpoint the SSRF guard refuses is named in a warning at start', async () => {
  const gw = await startTestGateway(
    `allowPrivateNetworks: false
applications:
  shop:
    endpoints:
      - { id: public, url: "https://hooks.example.com/in" }
      - { id: local, url: "http://127.0.0.1:9/hooks" }
`,
    { logLevel: 'warn' },
  );
  try {
    const warnings = gw.logs.lines
      .map((l) => JSON.parse(l) as { msg: string; key?: string; reason?: string })
      .filter((l) => l.msg === 'config: every delivery to this endpoint will be refused');
    assert.deepEqual(
      warnings.map((w) => w.key),
      ['applications.shop.endpoints[1].url'],
    );
    assert.match(String(warnings[0]?.reason), /loopback/);
  } finally {
    await gw.stop();
  }
});
