import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { runCli } from '../helpers/cli.ts';
import { API_TOKEN, eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver, type Received } from '../helpers/receiver.ts';

const HOOK_SECRET = 'whsec_YWxlcnQtd2ViaG9vay1zZWNyZXQtMDEyMzQ1Njc4OQ==';
const SMTP_PASS = 'smtp-pass-not-for-logs-7731';
const ROUTING_KEY = 'pd-routing-key-not-for-logs-4410';

/** The fields of the channels' JSON bodies (Slack, Teams, PagerDuty, the webhook) the tests read. */
interface ChannelBody {
  text: string;
  type: string;
  blocks: Array<{ type: string }>;
  attachments: Array<{ contentType: string; content: { type: string } }>;
  routing_key: string;
  event_action: string;
  dedup_key: string;
  payload: { severity: string; class: string; summary: string };
  data: { rule: string };
}

const json = (r: Received) => JSON.parse(r.body.toString('utf8')) as ChannelBody;

class Mailbox {
  readonly mails: string[] = [];
  readonly logins: string[] = [];
  private server: SMTPServer | undefined;
  port = 0;
  async start(): Promise<void> {
    this.server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth: (auth, _session, done) => {
        if (auth.username === 'alerts' && auth.password === SMTP_PASS) {
          this.logins.push(auth.username);
          return done(null, { user: auth.username });
        }
        return done(new Error('invalid credentials'));
      },
      onData: (stream, _session, done) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.mails.push(Buffer.concat(chunks).toString('utf8'));
          done();
        });
      },
      logger: false,
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
  }
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

describe('alerts: channels, one alert and one resolve, a channel down and back', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const endpoint = new Receiver(() => ({ status: 500 }));
  const slack = new Receiver(() => ({ status: 200, body: 'ok' }));
  const teams = new Receiver(() => ({ status: 202 }));
  const pagerduty = new Receiver(() => ({ status: 202, body: '{"status":"success","message":"Event processed"}' }));
  // The generic webhook's receiver is down for its first three requests.
  const hook = new Receiver((_r, n) => ({ status: n <= 3 ? 503 : 200 }));
  const mailbox = new Mailbox();

  before(async () => {
    await Promise.all([endpoint.start(), slack.start(), teams.start(), pagerduty.start(), hook.start(), mailbox.start()]);
    const pdBase = pagerduty.url.replace(/\/hooks$/, '');
    gw = await startTestGateway(
      `
delivery: { retry: [100ms, 100ms, 100ms, 100ms, 100ms, 100ms, 100ms, 100ms, 100ms, 100ms], pollInterval: 50ms }
alerts:
  evaluateInterval: 200ms
  retryInitial: 100ms
  retryMax: 300ms
  channels:
    slack: { type: slack, url: "${slack.url}" }
    teams: { type: teams, url: "${teams.url}" }
    pd: { type: pagerduty, routingKey: ${ROUTING_KEY}, apiBase: "${pdBase}" }
    hook: { type: webhook, url: "${hook.url}", secret: "${HOOK_SECRET}" }
    mail: { type: email, smtp: { host: 127.0.0.1, port: ${mailbox.port}, user: alerts, pass: ${SMTP_PASS} }, from: sluice@example.test, to: [ops@example.test] }
    nowhere: { type: slack, url: "http://127.0.0.1:9/closed" }
  rules:
    - name: failing
      kind: endpoint-failure-rate
      scope: { application: shop, endpoint: a }
      threshold: 0.5
      window: 2s
      minAttempts: 2
      clearAfter: 3
      severity: critical
      channels: [slack, teams, pd, hook, mail]
applications:
  shop:
    endpoints:
      - { id: a, url: "${endpoint.url}" }
`,
      { logLevel: 'info' },
    );
  });
  after(async () => {
    await gw?.stop();
    await Promise.all([endpoint.stop(), slack.stop(), teams.stop(), pagerduty.stop(), hook.stop(), mailbox.stop()]);
  });

  test('a test notification per channel; an unknown channel is 404, an unreachable one 502', async () => {
    const res = await gw.api('/alerts/channels/slack/test', { method: 'POST' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { channel: 'slack', type: 'slack', sent: true });
    await slack.waitFor(1);
    assert.match(json(slack.requests[0]!).text, /test notification/);
    const pd = await gw.api('/alerts/channels/pd/test', { method: 'POST' });
    assert.equal(pd.status, 200);
    await pagerduty.waitFor(2);
    assert.deepEqual(
      pagerduty.requests.slice(0, 2).map((r) => json(r).event_action),
      ['trigger', 'resolve'],
      'the test incident is closed again',
    );
    const mail = await gw.api('/alerts/channels/mail/test', { method: 'POST' });
    assert.equal(mail.status, 200);
    assert.equal(mailbox.mails.length, 1);
    assert.equal((await gw.api('/alerts/channels/none/test', { method: 'POST' })).status, 404);
    const down = await gw.api('/alerts/channels/nowhere/test', { method: 'POST' });
    assert.equal(down.status, 502);
    assert.match(((await down.json()) as { detail: string }).detail, /nowhere.*could not be reached/);
    const list = (await (await gw.api('/alerts/channels')).json()) as { data: Array<Record<string, string>> };
    assert.deepEqual(
      list.data.find((c) => c.name === 'pd'),
      { name: 'pd', type: 'pagerduty' },
      'no secrets in the listing',
    );
  });

  test('an endpoint failing: one alert per channel; recovered: one resolve; the channel that was down gets it once back', async () => {
    const [s0, t0, p0, m0] = [slack.requests.length, teams.requests.length, pagerduty.requests.length, mailbox.mails.length];
    await gw.api('/app/shop/msg', { method: 'POST', body: JSON.stringify({ eventType: 'invoice.paid', payload: { n: 1 } }) });
    await slack.waitFor(s0 + 1);
    const firing = json(slack.requests[s0]!);
    assert.match(firing.text, /^\[FIRING\] failing: endpoint shop\/a: \d+% of \d+ attempts failed in 2s/);
    assert.deepEqual(
      firing.blocks.map((b: { type: string }) => b.type),
      ['header', 'section', 'section', 'context'],
    );
    await teams.waitFor(t0 + 1);
    const card = json(teams.requests[t0]!);
    assert.equal(card.type, 'message');
    assert.equal(card.attachments[0]?.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(card.attachments[0]?.content.type, 'AdaptiveCard');
    await pagerduty.waitFor(p0 + 1);
    const trigger = json(pagerduty.requests[p0]!);
    assert.deepEqual(
      [trigger.routing_key, trigger.event_action, trigger.payload.severity, trigger.payload.class],
      [ROUTING_KEY, 'trigger', 'critical', 'endpoint-failure-rate'],
    );
    assert.match(trigger.payload.summary, /FIRING/);
    await eventually(() => (mailbox.mails.length > m0 ? true : undefined));
    assert.match(mailbox.mails[m0]!, /Subject: \[FIRING\] failing/);
    assert.match(mailbox.mails[m0]!, /To: ops@example\.test/);
    // The webhook answered 503 three times; the notification was retried until it got through.
    await hook.waitFor(4);
    const delivered = hook.requests[3]!;
    const verified = new Webhook(HOOK_SECRET).verify(
      delivered.body.toString('utf8'),
      Object.fromEntries(Object.entries(delivered.headers).map(([k, v]) => [k, String(v)])),
    ) as ChannelBody;
    assert.equal(verified.type, 'alert.firing');
    assert.equal(verified.data.rule, 'failing');
    assert.deepEqual(new Set(hook.requests.slice(0, 4).map((r) => r.headers['webhook-id'])).size, 1, 'the same notification each time');

    endpoint.respond(() => ({ status: 200 }));
    await slack.waitFor(s0 + 2, 30_000);
    assert.match(json(slack.requests[s0 + 1]!).text, /^\[RESOLVED\] failing/);
    await pagerduty.waitFor(p0 + 2);
    const resolve = json(pagerduty.requests[p0 + 1]!);
    assert.deepEqual([resolve.event_action, resolve.dedup_key], ['resolve', trigger.dedup_key], 'the same dedup_key resolves the incident');
    await hook.waitFor(5);
    assert.equal(json(hook.requests[4]!).type, 'alert.resolved');
    await teams.waitFor(t0 + 2);
    await eventually(() => (mailbox.mails.length > m0 + 1 ? true : undefined));
    assert.deepEqual(mailbox.logins.length >= 2, true, 'SMTP with authentication');

    // Quiet for a while: nothing more is sent (one notification per transition).
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(
      [
        slack.requests.length - s0,
        teams.requests.length - t0,
        pagerduty.requests.length - p0,
        hook.requests.length,
        mailbox.mails.length - m0,
      ],
      [2, 2, 2, 5, 2],
    );

    const view = (await (await gw.api('/alerts')).json()) as {
      current: unknown[];
      recent: { data: Array<{ kind: string; rule: string; notifications: Array<{ channel: string; state: string; attempts: number }> }> };
    };
    assert.deepEqual(view.current, []);
    assert.deepEqual(
      view.recent.data.map((e) => `${e.rule}:${e.kind}`),
      ['failing:resolved', 'failing:firing'],
    );
    const hookFiring = view.recent.data[1]!.notifications.find((n) => n.channel === 'hook');
    assert.deepEqual([hookFiring?.state, hookFiring?.attempts], ['sent', 4]);
    assert.ok(view.recent.data.every((e) => e.notifications.length === 5 && e.notifications.every((n) => n.state === 'sent')));

    const logs = gw.logs.lines.join('\n');
    assert.ok(logs.includes('notification failed; will retry'), 'the failed tries are logged');
    for (const secret of [SMTP_PASS, ROUTING_KEY, HOOK_SECRET, slack.url]) assert.ok(!logs.includes(secret), `${secret} is never logged`);
  });

  test('sluice alerts lists what happened; sluice alerts test sends to one channel', async () => {
    // A CLI start compiles the sources on a loaded machine: allow it time, bounded.
    const cli = { timeoutMs: 90_000 };
    const listed = await runCli(['alerts', '--url', gw.url, '--token', API_TOKEN], cli);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /nothing firing/);
    assert.match(listed.stdout, /resolved\s+failing/);
    assert.match(listed.stdout, /hook:sent/);
    const before = slack.requests.length;
    const tested = await runCli(['alerts', 'test', 'slack', '--url', gw.url, '--token', API_TOKEN], cli);
    assert.equal(tested.code, 0, tested.stderr);
    await slack.waitFor(before + 1);
    const missing = await runCli(['alerts', 'test', 'nope', '--url', gw.url, '--token', API_TOKEN], cli);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /404/);
  });
});
