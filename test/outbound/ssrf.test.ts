import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AddressGuard } from '../../src/delivery/ssrf.ts';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';

const strict = new AddressGuard({ allowPrivateNetworks: false, allowCidrs: [], httpsOnly: false });

describe('SSRF guard', () => {
  // Judged without connecting anywhere: these addresses are only ever refused literals.
  test('refuses every internal range, in every spelling', () => {
    const refused: Array<[string, RegExp]> = [
      ['127.0.0.1', /loopback/],
      ['127.9.9.9', /loopback/],
      ['::1', /loopback/],
      ['0.0.0.0', /unspecified/],
      ['::', /unspecified/],
      ['10.0.0.1', /private/],
      ['172.16.5.4', /private/],
      ['172.31.255.255', /private/],
      ['192.168.1.1', /private/],
      ['169.254.169.254', /link-local/],
      ['fe80::1', /link-local/],
      ['100.64.0.1', /carrier-grade NAT/],
      ['224.0.0.1', /multicast/],
      ['ff02::1', /multicast/],
      ['fc00::1', /unique local/],
      ['fd12:3456::1', /unique local/],
      ['::ffff:127.0.0.1', /loopback/],
      ['::ffff:a9fe:a9fe', /link-local/],
      ['::ffff:10.1.2.3', /private/],
      ['64:ff9b::10.0.0.1', /private/],
      ['240.0.0.1', /reserved/],
    ];
    for (const [address, why] of refused) assert.match(strict.refusal(address) ?? 'allowed', why, address);
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '172.32.0.1', '100.128.0.1']) {
      assert.equal(strict.refusal(address), null, address);
    }
  });

  test('URLs: literal addresses and localhost are refused up front; allow-lists and the switch let them through', () => {
    assert.match(strict.urlRefusal('http://10.0.0.1/hook') ?? '', /private/);
    assert.match(strict.urlRefusal('http://[::ffff:169.254.169.254]/latest') ?? '', /link-local/);
    assert.match(strict.urlRefusal('http://localhost:3000/x') ?? '', /loopback/);
    assert.match(strict.urlRefusal('http://api.localhost/x') ?? '', /loopback/);
    assert.equal(strict.urlRefusal('https://hooks.example.com/x'), null, 'names are judged at connect time');
    assert.match(
      new AddressGuard({ allowPrivateNetworks: false, allowCidrs: [], httpsOnly: true }).urlRefusal('http://hooks.example.com/') ?? '',
      /https/,
    );
    const listed = new AddressGuard({ allowPrivateNetworks: false, allowCidrs: ['10.1.0.0/16', '::1/128'], httpsOnly: false });
    assert.equal(listed.refusal('10.1.2.3'), null);
    assert.equal(listed.refusal('::1'), null);
    assert.match(listed.refusal('10.2.0.1') ?? '', /private/);
    assert.equal(new AddressGuard({ allowPrivateNetworks: true, allowCidrs: [], httpsOnly: false }).refusal('127.0.0.1'), null);
  });

  describe('in a gateway with the guard on', () => {
    const receiver = new Receiver();
    let gw: Awaited<ReturnType<typeof startTestGateway>>;
    before(async () => {
      await receiver.start();
      const port = new URL(receiver.url).port;
      gw = await startTestGateway(
        `allowPrivateNetworks: false
delivery: { retry: [], pollInterval: 50ms }
applications:
  shop:
    endpoints:
      - { id: literal, url: "${receiver.url}" }
      # Declared in YAML, so not refused up front: the name is resolved and judged at connect time.
      - { id: by-name, url: "http://localhost:${port}/hooks" }
`,
        { logLevel: 'silent' },
      );
    });
    after(async () => {
      await gw?.stop();
      await receiver.stop();
    });

    test('endpoint create answers 422 for a literal blocked address', async () => {
      for (const url of ['http://10.0.0.1/x', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:8080/', 'http://localhost/']) {
        const res = await gw.api('/app/shop/endpoint', { method: 'POST', body: JSON.stringify({ url }) });
        assert.equal(res.status, 422, url);
        const body = (await res.json()) as { code: string; detail: string };
        assert.equal(body.code, 'validation');
        assert.match(body.detail, /^body\.url: refused by the SSRF guard/);
      }
    });

    test('a loopback literal and a name that resolves to 127.0.0.1 are refused at connect time, and the attempt says why', async () => {
      const res = await gw.api('/app/shop/msg', { method: 'POST', body: JSON.stringify({ eventType: 'a.b', payload: { n: 1 } }) });
      assert.equal(res.status, 202);
      const { id } = (await res.json()) as { id: string };
      const attempts = await eventually(async () => {
        const page = (await (await gw.api(`/app/shop/attempt/msg/${id}`)).json()) as {
          data: Array<{ endpointId: string; error: string; responseStatusCode: number }>;
        };
        return page.data.length === 2 ? page.data : undefined;
      });
      for (const a of attempts) {
        assert.equal(a.responseStatusCode, 0);
        assert.match(a.error, /refused by the SSRF guard: 127\.0\.0\.1 is a loopback address/);
      }
      assert.ok(
        attempts.some((a) => a.error.startsWith('localhost: ')),
        'the DNS name is named in the refusal',
      );
      assert.equal(receiver.requests.length, 0, 'nothing reached the receiver');
    });
  });

  test('an allow-list CIDR lets deliveries through', async () => {
    const receiver = await new Receiver().start();
    const gw = await startTestGateway(
      `allowPrivateNetworks: [127.0.0.1/32]
applications:
  shop:
    endpoints:
      - { id: ok, url: "${receiver.url}" }
`,
      { logLevel: 'silent' },
    );
    try {
      const res = await gw.api('/app/shop/msg', { method: 'POST', body: JSON.stringify({ eventType: 'a.b', payload: {} }) });
      assert.equal(res.status, 202);
      await receiver.waitFor(1);
    } finally {
      await gw.stop();
      await receiver.stop();
    }
  });
});
