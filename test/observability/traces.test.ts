import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Webhook } from 'standardwebhooks';
import { parseConfig } from '../../src/gateway/config.ts';
import { startGateway, type Gateway } from '../../src/gateway/gateway.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { API_TOKEN, eventually, LogSink, startTestGateway, tempDir } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';

const SOURCE_SECRET = 'whsec_dHJhY2VzLXNvdXJjZS1zZWNyZXQtMDEyMzQ1Njc4OQ==';
const hook = new Webhook(SOURCE_SECRET);

function yaml(receiverUrl: string, extra = ''): string {
  return `${extra}
delivery: { pollInterval: 50ms }
applications:
  shop:
    endpoints:
      - { id: a, url: "${receiverUrl}" }
sources:
  std: { provider: standard-webhooks, secrets: ["${SOURCE_SECRET}"], application: shop }
`;
}

async function sendSigned(url: string, n: number, traceparent?: string): Promise<void> {
  const id = `msg_trace_${n}_${randomBytes(3).toString('hex')}`;
  const body = JSON.stringify({ type: 'order.created', n });
  const at = new Date();
  const res = await fetch(`${url}/in/std`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': hook.sign(id, at, body),
      ...(traceparent ? { traceparent } : {}),
    },
  });
  assert.equal(res.status, 200);
}

const parse = (tp: string | string[] | undefined): { traceId: string; spanId: string } => {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(String(tp));
  assert.ok(m, `a W3C traceparent (got ${String(tp)})`);
  return { traceId: m[1]!, spanId: m[2]! };
};

/** The part of an OTLP/JSON trace export (`POST /v1/traces`) the test reads. */
interface OtlpExport {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{ spans: Array<{ name: string }> }>;
  }>;
}

describe('traces (OpenTelemetry)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('in-memory exporter: ingest (verify, commit) and the attempt in one trace, continued from the sender, sent on to the endpoint', async () => {
    const receiver = await new Receiver().start();
    const exporter = new InMemorySpanExporter();
    const tmp = tempDir();
    const config = parseConfig(
      `apiToken: ${API_TOKEN}\nserver: { host: 127.0.0.1, port: 0 }\ndataDir: ${tmp.dir}\nallowPrivateNetworks: true\n${yaml(receiver.url)}`,
      't.yaml',
      {},
      {},
    );
    const gw: Gateway = await startGateway(config, createLogger('warn', new LogSink()), { spanExporter: exporter });
    cleanups.push(async () => {
      await gw.stop();
      await receiver.stop();
      tmp.remove();
    });

    const providerTrace = randomBytes(16).toString('hex');
    const providerSpan = randomBytes(8).toString('hex');
    await sendSigned(gw.url, 1, `00-${providerTrace}-${providerSpan}-01`);
    await receiver.waitFor(1);
    const sent = parse(receiver.requests[0]!.headers.traceparent);
    assert.equal(sent.traceId, providerTrace, "the endpoint is in the provider's trace");

    const spans = await eventually(() => {
      const all = exporter.getFinishedSpans();
      return all.some((s) => s.name === 'sluice.delivery.attempt') ? all : undefined;
    });
    const byName = (name: string) => spans.find((s) => s.name === name)!;
    const ingest = byName('sluice.ingest');
    const verify = byName('sluice.ingest.verify');
    const commit = byName('sluice.ingest.commit');
    const attempt = byName('sluice.delivery.attempt');
    for (const s of [ingest, verify, commit, attempt]) assert.equal(s.spanContext().traceId, providerTrace, s.name);
    assert.equal(ingest.parentSpanContext?.spanId, providerSpan, "ingest continues the sender's span");
    assert.equal(verify.parentSpanContext?.spanId, ingest.spanContext().spanId);
    assert.equal(commit.parentSpanContext?.spanId, ingest.spanContext().spanId);
    assert.equal(commit.attributes['sluice.dedupe.duplicates'], 0);
    assert.equal(
      attempt.parentSpanContext?.spanId,
      ingest.spanContext().spanId,
      'the attempt hangs under the ingest, from the stored context',
    );
    assert.deepEqual(
      attempt.links.map((l) => l.context.spanId),
      [ingest.spanContext().spanId],
    );
    assert.equal(attempt.attributes['http.response.status_code'], 200);
    assert.equal(sent.spanId, attempt.spanContext().spanId, "the endpoint's parent is the attempt");
    assert.equal(ingest.attributes['http.response.status_code'], 200);

    // A bad signature: the ingest span says so, and nothing is delivered.
    const res = await fetch(`${gw.url}/in/std`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', 'webhook-id': 'x', 'webhook-timestamp': '1', 'webhook-signature': 'v1,AAAA' },
    });
    assert.equal(res.status, 401);
    const rejected = await eventually(() =>
      exporter.getFinishedSpans().find((s) => s.name === 'sluice.ingest.verify' && s.status.code === 2),
    );
    assert.ok(rejected.status.message);
  });

  test('OTLP over HTTP to a receiver on loopback', async () => {
    const bodies: OtlpExport[] = [];
    const collector: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces' && String(req.headers['content-type']).includes('json'))
          bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const receiver = await new Receiver().start();
    const gw = await startTestGateway(
      yaml(receiver.url, `telemetry: { serviceName: sluice-test, otlp: { endpoint: "${endpoint}", headers: { x-collector-key: k1 } } }`),
      { logLevel: 'warn' },
    );
    await sendSigned(gw.url, 2);
    await receiver.waitFor(1);
    parse(receiver.requests[0]!.headers.traceparent);
    await gw.stop(); // flushes the batch
    await receiver.stop();
    collector.close();
    const spans = bodies.flatMap((b) => b.resourceSpans);
    const service = spans[0]?.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
    assert.equal(service, 'sluice-test');
    const names = spans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.name)));
    for (const name of ['sluice.ingest', 'sluice.ingest.verify', 'sluice.ingest.commit', 'sluice.delivery.attempt'])
      assert.ok(names.includes(name), `${name} exported (got ${names.join(', ')})`);
  });

  test('off by default: no spans, and no traceparent unless the sender sent one', async () => {
    const receiver = await new Receiver().start();
    const gw = await startTestGateway(yaml(receiver.url), { logLevel: 'warn' });
    cleanups.push(async () => {
      await gw.stop();
      await receiver.stop();
    });
    await sendSigned(gw.url, 3);
    await receiver.waitFor(1);
    assert.equal(receiver.requests[0]!.headers.traceparent, undefined);
  });
});
