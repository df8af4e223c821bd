import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveTarget } from '../../src/cli/client.ts';
import { statusColour, useColour } from '../../src/cli/output.ts';
import { runCli } from './harness.ts';
import { API_TOKEN, startTestGateway, tempDir } from '../helpers/gateway.ts';

describe('client plumbing: login profile, server and token precedence, colour, exit codes', () => {
  const tmp = tempDir();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway('applications:\n  solo: {}\n');
  });
  after(async () => {
    await gw.stop();
    tmp.remove();
  });

  it('sluice login checks the token, writes the profile 0600, and later commands use it', async () => {
    const env = { XDG_CONFIG_HOME: tmp.dir, SLUICE_TOKEN: '', SLUICE_SERVER: '' };
    const wrong = await runCli(['login', '--server', gw.url, '--token', 'not-the-token-000'], { env });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /401/);
    const ok = await runCli(['login', '--server', gw.url, '--token', API_TOKEN, '--format', 'json'], { env });
    assert.equal(ok.code, 0, ok.stderr);
    const path = join(tmp.dir, 'sluice', 'profile.json');
    assert.deepEqual(JSON.parse(ok.stdout), { server: gw.url, profile: path });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const listed = await runCli(['messages', 'list'], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /no messages/);
    // No token anywhere: a usage error, said plainly on stderr.
    const none = await runCli(['messages', 'list', '--server', gw.url], {
      env: { XDG_CONFIG_HOME: join(tmp.dir, 'empty'), SLUICE_TOKEN: '' },
    });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no API token: pass --token, set SLUICE_TOKEN, or run sluice login/);
  });

  it("flag > environment > profile > default; a profile's token is not sent to another server", () => {
    const env = { XDG_CONFIG_HOME: tmp.dir, SLUICE_SERVER: 'http://127.0.0.1:9999', SLUICE_TOKEN: 'from-env' };
    assert.deepEqual(resolveTarget({ server: 'http://127.0.0.1:1/', token: 'flag' }, env), { server: 'http://127.0.0.1:1', token: 'flag' });
    assert.deepEqual(resolveTarget({}, env), { server: 'http://127.0.0.1:9999', token: 'from-env' });
    assert.deepEqual(resolveTarget({}, { XDG_CONFIG_HOME: tmp.dir }), { server: gw.url, token: API_TOKEN });
    assert.deepEqual(resolveTarget({ server: 'http://127.0.0.1:2' }, { XDG_CONFIG_HOME: tmp.dir }), {
      server: 'http://127.0.0.1:2',
      token: undefined,
    });
    assert.deepEqual(resolveTarget({}, { XDG_CONFIG_HOME: join(tmp.dir, 'none') }), { server: 'http://127.0.0.1:8787', token: undefined });
    assert.throws(() => resolveTarget({ server: 'localhost:8787' }, {}), /expected an http/);
  });

  it('colour only on a terminal without NO_COLOR, unless forced; status colours by class', async () => {
    assert.equal(useColour('auto', true, {}), true);
    assert.equal(useColour('auto', false, {}), false);
    assert.equal(useColour('auto', true, { NO_COLOR: '1' }), false);
    assert.equal(useColour('always', false, { NO_COLOR: '1' }), true);
    assert.equal(useColour('never', true, {}), false);
    assert.deepEqual([200, 302, 404, 500, null].map(statusColour), ['green', 'yellow', 'yellow', 'red', 'red']);
    const forced = await runCli(['trigger', 'stripe', 'invoice.paid', '--secret', 'whsec_x', '--server', gw.url, '--color', 'always']);
    assert.equal(forced.code, 1);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for the terminal's escape sequences
    assert.match(forced.stdout, /^\u001b\[33m\[404\]\u001b\[0m POST/, 'no source named stripe: 404, in yellow');
    const plain = await runCli(['trigger', 'stripe', 'invoice.paid', '--secret', 'whsec_x', '--server', gw.url]);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for the terminal's escape sequences
    assert.doesNotMatch(plain.stdout, /\u001b/);
    assert.equal((await runCli(['trigger', 'stripe', 'invoice.paid', '--secret', 'whsec_x', '--color', 'sometimes'])).code, 2);
  });
});
