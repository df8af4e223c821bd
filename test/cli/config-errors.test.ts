import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/gateway.ts';

const tmp = tempDir();
after(() => tmp.remove());

const base = `apiToken: a-long-enough-api-token
applications:
  demo:
    endpoints:
      - id: backend
        url: http://127.0.0.1:3000/hooks
sources:
  std:
    provider: standard-webhooks
    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
    application: demo
`;

/** [name, yaml, the message that must appear, env] */
const cases: Array<[string, string, RegExp, Record<string, string>?]> = [
  [
    'missing source secret',
    base.replace('    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n', ''),
    /sources\.std\.secret: required by provider standard-webhooks/,
  ],
  [
    'unknown provider lists the known ones',
    base.replace('standard-webhooks', 'stripy'),
    /sources\.std\.provider: unknown provider "stripy" \(known: .*hmac.*standard-webhooks/,
  ],
  [
    'source names an unknown application',
    base.replace('application: demo', 'application: nope'),
    /sources\.std\.application: "nope" is not under applications \(known: demo\)/,
  ],
  ['missing apiToken', base.replace('apiToken: a-long-enough-api-token\n', ''), /apiToken: required/],
  ['short apiToken', base.replace('a-long-enough-api-token', 'short'), /apiToken: must be at least 16 characters/],
  [
    'unset environment variable',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${ENV} interpolation, written into the YAML as is
    base.replace('a-long-enough-api-token', '${SLUICE_TEST_UNSET_TOKEN}'),
    /apiToken: environment variable SLUICE_TEST_UNSET_TOKEN is not set/,
  ],
  [
    'bad duration in retry',
    base.replace('        url: http://127.0.0.1:3000/hooks\n', '        url: http://127.0.0.1:3000/hooks\n        retry: [5s, soon]\n'),
    /applications\.demo\.endpoints\[0\]\.retry\[1\]: must be a duration/,
  ],
  [
    'endpoint url not a URL',
    base.replace('http://127.0.0.1:3000/hooks', 'not a url'),
    /applications\.demo\.endpoints\[0\]\.url: "not a url" is not a URL/,
  ],
  [
    'endpoint url not http',
    base.replace('http://127.0.0.1:3000/hooks', 'ftp://example.test/x'),
    /endpoints\[0\]\.url: must be an http or https URL/,
  ],
  [
    'endpoint without id',
    base.replace('      - id: backend\n        url', '      - url'),
    /applications\.demo\.endpoints\[0\]\.id: required/,
  ],
  [
    'duplicate endpoint ids',
    base.replace(
      '        url: http://127.0.0.1:3000/hooks\n',
      '        url: http://127.0.0.1:3000/hooks\n      - id: backend\n        url: http://127.0.0.1:3001/x\n',
    ),
    /endpoints\[1\]\.id: "backend" is used twice/,
  ],
  [
    'bad endpoint secret',
    base.replace('        url: http://127.0.0.1:3000/hooks\n', '        url: http://127.0.0.1:3000/hooks\n        secret: hunter2\n'),
    /endpoints\[0\]\.secret: must be whsec_/,
  ],
  [
    'unknown key with a typo',
    base.replace('    application: demo', '    application: demo\n    tolerence: 5m'),
    /sources\.std\.tolerence: unknown key/,
  ],
  ['hmac without header', base.replace('provider: standard-webhooks', 'provider: hmac'), /sources\.std\.header: required/],
  [
    'hmac bad algorithm',
    base.replace('provider: standard-webhooks', 'provider: hmac\n    header: X-Sig\n    algorithm: md5'),
    /sources\.std\.algorithm: must be one of sha1, sha256, sha512 \(got "md5"\)/,
  ],
  [
    'bad idempotencyKey path',
    base.replace('    application: demo', '    application: demo\n    idempotencyKey: $.id'),
    /sources\.std\.idempotencyKey: "\$\.id" must be body:\$\.path or header:Name/,
  ],
  ['bad size', `${base}ingest:\n  maxBodySize: huge\n`, /ingest\.maxBodySize: must be a size/],
  ['port out of range', `${base}server:\n  port: 70000\n`, /server\.port: must be a whole number from 0 to 65535/],
  [
    'bad port from the environment names the variable',
    base,
    /SLUICE_PORT \(server\.port: must be a whole number/,
    { SLUICE_PORT: 'eighty' },
  ],
  ['YAML syntax error with a position', 'apiToken: [unclosed\n', /YAML error/],
  ['top level not a mapping', '- just\n- a list\n', /top level must be a mapping/],
  ['sources not a mapping', base.replace(/sources:[\s\S]*/, 'sources: 12\n'), /sources: must be a mapping/],
];

describe('config mistakes: a clear message naming the key, and exit 2', { concurrency: 4 }, () => {
  for (const [name, yaml, message, env] of cases) {
    test(name, async () => {
      const file = join(tmp.dir, `${name.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(file, yaml);
      const { code, stderr } = await runCli(['serve', '--config', file, '--data-dir', tmp.dir], env ? { env } : {});
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
      assert.match(stderr, /usage: sluice serve --config FILE/);
    });
  }

  test('several mistakes are reported together', async () => {
    const file = join(tmp.dir, 'many.yaml');
    writeFileSync(file, base.replace('a-long-enough-api-token', 'short').replace('standard-webhooks', 'stripy'));
    const { code, stderr } = await runCli(['serve', '--config', file]);
    assert.equal(code, 2);
    assert.match(stderr, /apiToken: must be at least 16/);
    assert.match(stderr, /sources\.std\.provider: unknown provider/);
  });
});

describe('command line', () => {
  test('--help and serve --help exit 0 with the usage', async () => {
    const top = await runCli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /serve/);
    const serve = await runCli(['serve', '--help']);
    assert.equal(serve.code, 0);
    for (const flag of ['--config', '--port', '--host', '--data-dir']) assert.match(serve.stdout, new RegExp(flag));
  });

  test('an unknown flag prints what is wrong and the usage, exit 2', async () => {
    const { code, stderr } = await runCli(['serve', '--portt', '1']);
    assert.equal(code, 2);
    assert.match(stderr, /unknown option '--portt'/);
    assert.match(stderr, /Usage: sluice serve/);
  });

  test('a bad --port value, exit 2', async () => {
    const { code, stderr } = await runCli(['serve', '--port', 'http']);
    assert.equal(code, 2);
    assert.match(stderr, /must be a port number/);
  });

  test('a missing config file, exit 2', async () => {
    const { code, stderr } = await runCli(['serve', '--config', join(tmp.dir, 'absent.yaml')]);
    assert.equal(code, 2);
    assert.match(stderr, /absent\.yaml: cannot read the config file \(no such file\)/);
    assert.match(stderr, /usage: sluice serve/);
  });

  test('no command prints the help, exit 2', async () => {
    const { code, stdout } = await runCli([]);
    assert.equal(code, 2);
    assert.match(stdout, /Usage: sluice/);
  });
});
