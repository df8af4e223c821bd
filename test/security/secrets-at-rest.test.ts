import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { keys } from '../../src/cli/keys.ts';
import { parseConfig } from '../../src/gateway/config.ts';
import { startGateway } from '../../src/gateway/gateway.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { keyId, SecretBox } from '../../src/store/secret-box.ts';
import { LogSink, tempDir } from '../helpers/gateway.ts';

const TOKEN = 'at-rest-api-token-0123456789';
const SECRET = 'whsec_QXRSZXN0U2VjcmV0VmFsdWUxMjM0NTY3OA==';

test('secret box: AES-256-GCM with the key id beside the value; tampering and unknown keys are refused', () => {
  const k1 = Buffer.alloc(32, 1);
  const k2 = Buffer.alloc(32, 2);
  const box = new SecretBox([{ id: keyId(k1), key: k1 }]);
  const sealed = box.seal('whsec_abc');
  assert.ok(sealed.startsWith(`enc:v1:${keyId(k1)}:`));
  assert.notEqual(box.seal('whsec_abc'), sealed, 'a fresh IV every time');
  assert.equal(box.open(sealed), 'whsec_abc');
  assert.equal(box.open('whsec_plain'), 'whsec_plain', 'values stored before encryption still read');
  const parts = sealed.split(':');
  const body = Buffer.from(parts[4] as string, 'base64url');
  body[0] = (body[0] as number) ^ 1;
  assert.throws(() => box.open([...parts.slice(0, 4), body.toString('base64url')].join(':')));
  const other = new SecretBox([{ id: keyId(k2), key: k2 }]);
  assert.throws(() => other.open(sealed), /does not hold/);
  const reloading = new SecretBox([{ id: keyId(k2), key: k2 }], () => [
    { id: keyId(k1), key: k1 },
    { id: keyId(k2), key: k2 },
  ]);
  assert.equal(reloading.open(sealed), 'whsec_abc', 'a key another process added is read from the key file');
});

test('stored secrets are sealed, the key is generated once into the data dir (0600), files are private, keys rotate', async () => {
  const tmp = tempDir();
  const dataDir = join(tmp.dir, 'data');
  const file = join(tmp.dir, 'sluice.yaml');
  writeFileSync(file, `apiToken: ${TOKEN}\nserver: { host: 127.0.0.1, port: 0 }\ndataDir: ${dataDir}\napplications:\n  shop: {}\n`);
  const start = async () => {
    const logs = new LogSink();
    const gw = await startGateway(parseConfig(readFileSync(file, 'utf8'), file, {}, {}), createLogger('info', logs));
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${gw.url}/api/v1${path}`, {
        ...init,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
      });
    return { gw, api, logs };
  };
  const rawDb = () =>
    ['sluice.db', 'sluice.db-wal']
      .map((f) => join(dataDir, f))
      .filter(existsSync)
      .map((f) => readFileSync(f).toString('latin1'))
      .join('');
  try {
    const first = await start();
    assert.equal(first.logs.lines.filter((l) => l.includes('generated a key')).length, 1, 'said once at start');
    const keyFile = join(dataDir, 'secret.key');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dataDir, 'sluice.db')).mode & 0o777, 0o600);
    const ep = (await (
      await first.api('/app/shop/endpoint', { method: 'POST', body: JSON.stringify({ url: 'https://example.com/', secret: SECRET }) })
    ).json()) as { id: string };
    const portal = await first.api('/auth/app-portal-access/shop', { method: 'POST', body: '{}', headers: { 'idempotency-key': 'k1' } });
    const { token } = (await portal.json()) as { token: string };
    assert.equal(((await (await first.api(`/app/shop/endpoint/${ep.id}/secret`)).json()) as { key: string }).key, SECRET);
    await first.gw.stop();
    const bytes = rawDb();
    assert.ok(!bytes.includes(SECRET.slice(6, 30)), 'the endpoint secret is not in the database file');
    assert.ok(!bytes.includes(token.slice(-30)), 'the portal token of a stored idempotent answer is not in the database file');
    assert.ok(!bytes.includes(TOKEN), 'no API token is stored');
    assert.ok(bytes.includes('enc:v1:'));

    // Rotation: a second key, everything sealed under it, old values still open.
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      out.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await keys('rotate', { config: file });
    } finally {
      process.stdout.write = write;
    }
    assert.equal(code, 0);
    assert.match(out.join(''), /resealed\t1/);
    const lines = readFileSync(keyFile, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    assert.equal(lines.length, 2);
    const newId = keyId(Buffer.from(lines[1] as string, 'base64'));
    assert.ok(rawDb().includes(`enc:v1:${newId}:`));

    const second = await start();
    try {
      assert.equal(second.logs.lines.filter((l) => l.includes('generated a key')).length, 0);
      assert.equal(((await (await second.api(`/app/shop/endpoint/${ep.id}/secret`)).json()) as { key: string }).key, SECRET);
      const replayed = await second.api('/auth/app-portal-access/shop', {
        method: 'POST',
        body: '{}',
        headers: { 'idempotency-key': 'k1' },
      });
      assert.equal(
        ((await replayed.json()) as { token: string }).token,
        token,
        'the idempotent answer sealed under the old key still replays',
      );
    } finally {
      await second.gw.stop();
    }
  } finally {
    tmp.remove();
  }
});
