import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/gateway/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { API_TOKEN, eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { startCliChild } from './harness.ts';

const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';

/** A slash command as Slack sends it: form body, `v0=` HMAC-SHA256 of `v0:ts:body` (Slack's documented scheme). */
function slashCommand(text: string): { body: string; headers: Record<string, string> } {
  const body = new URLSearchParams({
    token: 'gIkuvaNzQIHg97ATvDxqgjtO',
    team_id: 'T0001',
    channel_id: 'C2147483705',
    user_id: 'U2147483697',
    user_name: 'steve',
    command: '/weather',
    text,
    response_url: 'https://hooks.slack.com/commands/1234/5678',
    trigger_id: `13345224609.738474920.${Math.random().toString(16).slice(2)}`,
  }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', SLACK_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return {
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature },
  };
}

describe("interactive sources: the sender gets the handler's answer", () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const handler = new Receiver((req) => {
    const text = new URLSearchParams(req.body.toString()).get('text') ?? '';
    const answer = {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'in_channel', text: `Weather for ${text}: sunny` }),
    };
    return text === 'slow' ? { ...answer, delayMs: 1_500 } : answer;
  });

  before(async () => {
    await handler.start();
    gw = await startTestGateway(`applications:
  bot:
    endpoints:
      - { id: commands, url: "${handler.url}" }
  dev: {}
sources:
  laptop: { provider: slack, secret: "${SLACK_SECRET}", application: dev, respond: { endpoint: laptop, timeout: 2900ms } }
  slack: { provider: slack, secret: "${SLACK_SECRET}", application: bot, respond: { endpoint: commands, timeout: 2900ms } }
  hurried: { provider: slack, secret: "${SLACK_SECRET}", application: bot, respond: { endpoint: commands, timeout: 300ms, fallback: { status: 200, body: '{"text":"working on it…"}', contentType: application/json } } }
`);
  });
  after(async () => {
    await gw.stop();
    await handler.stop();
  });

  it("a Slack slash command gets the handler's JSON answer within the timeout", async () => {
    const { body, headers } = slashCommand('94070');
    const res = await fetch(`${gw.url}/in/slack`, { method: 'POST', headers, body });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await res.json(), { response_type: 'in_channel', text: 'Weather for 94070: sunny' });
    const msgId = res.headers.get('sluice-message-id') as string;
    assert.match(msgId, /^msg_/);
    const msg = (await (await gw.api(`/app/bot/msg/${msgId}`)).json()) as { eventType: string };
    assert.equal(msg.eventType, 'slash_command');
  });

  it('a handler slower than the timeout: the fallback answers, and the message is delivered anyway', async () => {
    const { body, headers } = slashCommand('slow');
    const before = handler.requests.length;
    const res = await fetch(`${gw.url}/in/hurried`, { method: 'POST', headers, body });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { text: 'working on it…' });
    const msgId = res.headers.get('sluice-message-id') as string;
    assert.ok(handler.requests.length <= before + 1);
    const attempt = await eventually(
      async () => {
        const page = (await (await gw.api(`/app/bot/attempt/msg/${msgId}`)).json()) as {
          data: Array<{ responseStatusCode: number; response: string }>;
        };
        return page.data[0];
      },
      15_000,
      'the late attempt',
    );
    assert.equal(attempt.responseStatusCode, 200);
    assert.match(attempt.response, /Weather for slow/);
  });

  it('a slash command answered by a handler on the laptop, through sluice listen', async () => {
    const listen = startCliChild(['listen', '--forward-to', handler.url, '--app', 'dev', '--name', 'laptop', '--server', gw.url]);
    try {
      await listen.waitFor(/Ready!/, 60_000);
      const { body, headers } = slashCommand('laptop');
      const res = await fetch(`${gw.url}/in/laptop`, { method: 'POST', headers, body });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { response_type: 'in_channel', text: 'Weather for laptop: sunny' });
      assert.match(listen.stdout, /--> slash_command \[msg_/);
    } finally {
      await listen.kill();
    }
  });

  it('a bad signature is refused before anything waits', async () => {
    const { body, headers } = slashCommand('x');
    const res = await fetch(`${gw.url}/in/slack`, { method: 'POST', headers: { ...headers, 'x-slack-signature': 'v0=00' }, body });
    assert.equal(res.status, 401);
  });

  it("the config check: a timeout not shorter than the sender's own is refused, with the key path", () => {
    const base = `apiToken: ${API_TOKEN}\napplications:\n  bot: {}\nsources:\n  slack: { provider: slack, secret: s, application: bot, respond: `;
    assert.throws(
      () => parseConfig(`${base}{ endpoint: commands, timeout: 3s } }\n`, 't.yaml', {}, {}),
      (err: unknown) =>
        err instanceof ConfigError && /sources\.slack\.respond\.timeout: must be shorter than Slack's own 3 s timeout/.test(err.message),
    );
    assert.throws(
      () => parseConfig(`${base}{ timeout: 1s } }\n`, 't.yaml', {}, {}),
      (err: unknown) => err instanceof ConfigError && /sources\.slack\.respond\.endpoint/.test(err.message),
    );
    assert.throws(
      () => parseConfig(`${base}{ endpoint: x, fallback: { status: 99 } } }\n`, 't.yaml', {}, {}),
      (err: unknown) => err instanceof ConfigError && /sources\.slack\.respond\.fallback\.status/.test(err.message),
    );
    const ok = parseConfig(`${base}{ endpoint: commands } }\n`, 't.yaml', {}, {});
    assert.deepEqual(ok.sources.slack?.respond, {
      endpoint: 'commands',
      timeoutMs: 2500,
      fallback: { status: 200, body: '', contentType: 'text/plain' },
    });
  });
});
