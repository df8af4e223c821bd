import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { apiTarget } from '../../src/cli/api-target.ts';
import { parseConfig, validateConfig } from '../../src/gateway/config.ts';
import { startGateway, type Gateway } from '../../src/gateway/gateway.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { LogSink, tempDir } from '../helpers/gateway.ts';
import { freshDatabase, postgresSkip } from '../scale/cluster.ts';

const ADMIN = 'hashed-admin-token-0123456789';
const OPERATOR = 'plain-operator-token-01234567';
const VIEWER = 'hashed-viewer-token-012345678';
const OTHER_OPS = 'other-app-operator-token-0123';
const sha = (t: string): string => createHash('sha256').update(t).digest('hex');

const tokensOnly = `
auth:
  failedAuthPerMinute: 4
  tokens:
    - { name: ci, sha256: ${sha(ADMIN)}, role: admin }
    - { name: laptop, token: ${OPERATOR}, role: operator, applications: [dev] }
    - { name: dash, sha256: ${sha(VIEWER)}, role: viewer }
    - { name: other-ops, token: ${OTHER_OPS}, role: operator, applications: [other] }
outbound: { apiRateLimit: 0 }
applications:
  dev: {}
  other: {}
`;

async function start(text: string, dir: string, opts: { role?: 'api' | 'all' } = {}): Promise<Gateway> {
  const config = parseConfig(`server: { host: 127.0.0.1, port: 0 }\ndataDir: ${dir}\n${text}`, 'test.yaml', {}, {});
  return startGateway(config, createLogger('silent', new LogSink()), opts);
}

function as(url: string, token: string) {
  return (path: string, init: RequestInit = {}) =>
    fetch(`${url}/api/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
}

async function portalToken(url: string, token: string, app: string): Promise<string> {
  const res = await as(url, token)(`/auth/app-portal-access/${app}`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { token: string }).token;
}

test('a config without any API token is refused, saying what to add; one with only auth.tokens is valid', () => {
  const none = validateConfig({ applications: { dev: {} } });
  assert.equal(none.config, undefined);
  assert.equal(none.problems.length, 1, none.problems.join('\n'));
  assert.match(none.problems[0] as string, /^apiToken: required: set apiToken \(or SLUICE_API_TOKEN\), or list auth\.tokens/);
  // An empty list is no token either.
  assert.match(validateConfig({ auth: { tokens: [] } }).problems.join('\n'), /apiToken: required/);
  // A broken token entry is reported as itself, not drowned by the "no token" problem.
  const broken = validateConfig({ auth: { tokens: [{ name: 'x', sha256: 'nothex', role: 'admin' }] } }).problems;
  assert.deepEqual(broken, ['auth.tokens[0].sha256: must be 64 hex digits (the SHA-256 of the token)']);
  const ok = validateConfig({ auth: { tokens: [{ name: 'ci', sha256: sha(ADMIN), role: 'admin' }] } });
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.config?.apiToken, undefined);
  assert.deepEqual(
    ok.config?.auth.tokens.map((t) => [t.name, t.role]),
    [['ci', 'admin']],
  );
});

describe('a gateway configured with hashed tokens only (no apiToken)', () => {
  const tmp = tempDir('sluice-tokens-only-');
  let gw: Gateway;
  before(async () => {
    gw = await start(tokensOnly, tmp.dir);
  });
  after(async () => {
    await gw?.stop();
    tmp.remove();
  });

  test('starts and serves the API, the console sign-in and the CLI target', async () => {
    assert.deepEqual(await (await as(gw.url, ADMIN)('/auth/me')).json(), { kind: 'token', name: 'ci', role: 'admin', applications: null });
    assert.equal(
      (await as(gw.url, ADMIN)('/app/dev/msg', { method: 'POST', body: JSON.stringify({ eventType: 'a.b', payload: {} }) })).status,
      202,
    );
    assert.equal((await as(gw.url, VIEWER)('/app/dev/msg')).status, 200);
    assert.equal((await as(gw.url, VIEWER)('/app/dev/msg', { method: 'POST', body: '{"eventType":"a.b","payload":{}}' })).status, 403);

    const signIn = (token: string) =>
      fetch(`${gw.url}/api/v1/auth/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: gw.url },
        body: JSON.stringify({ token }),
      });
    const session = await signIn(VIEWER);
    assert.equal(session.status, 201);
    assert.equal(((await session.json()) as { name: string }).name, 'dash');
    const wrong = await signIn('not-a-token-of-this-gateway');
    assert.equal(wrong.status, 401);
    // The console's advice names where tokens live in this config too.
    assert.match(((await wrong.json()) as { detail: string }).detail, /apiToken or auth\.tokens/);

    // The CLI cannot send a hash: it says what to pass instead of sending nothing.
    const file = join(tmp.dir, 'sluice.yaml');
    writeFileSync(file, `server: { host: 127.0.0.1, port: 8787 }\ndataDir: ${tmp.dir}\n${tokensOnly}`);
    const saved = process.env.SLUICE_API_TOKEN;
    delete process.env.SLUICE_API_TOKEN;
    try {
      const target = await apiTarget({ config: file });
      assert.ok('problem' in target);
      assert.match(target.problem, /has no apiToken to use .*pass --token or set SLUICE_API_TOKEN/);
      assert.deepEqual(await apiTarget({ config: file, token: ADMIN }), { base: 'http://127.0.0.1:8787', token: ADMIN });
    } finally {
      if (saved !== undefined) process.env.SLUICE_API_TOKEN = saved;
    }
  });

  test('the relay WebSocket takes scoped tokens: operators of the application, never viewers nor other applications', async () => {
    assert.equal((await as(gw.url, OPERATOR)('/app/dev/relay/laptop', { method: 'PUT', body: '{}' })).status, 201);
    const ws = gw.url.replace('http', 'ws');
    const open = (token: string | undefined, app = 'dev'): Promise<{ status?: number; body?: string; frame?: { type: string } }> =>
      new Promise((resolve) => {
        const socket = new WebSocket(
          `${ws}/api/v1/app/${app}/relay/laptop/connect`,
          token ? { headers: { authorization: `Bearer  ${token} ` } } : {},
        );
        socket.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => {
            resolve({ status: res.statusCode, body });
            socket.terminate();
          });
        });
        socket.on('message', (data) => {
          resolve({ frame: JSON.parse(String(data)) as { type: string } });
          socket.close();
        });
        socket.on('error', () => undefined);
      });
    assert.equal((await open(OPERATOR)).frame?.type, 'ready', 'a scoped operator token (spaces around it as the API allows)');
    assert.equal((await open(ADMIN)).frame?.type, 'ready', 'a hashed admin token');
    const viewer = await open(VIEWER);
    assert.equal(viewer.status, 403);
    assert.match(JSON.parse(viewer.body as string).detail, /read-only \(role viewer\)/);
    const elsewhere = await open(OTHER_OPS);
    assert.equal(elsewhere.status, 403);
    assert.match(JSON.parse(elsewhere.body as string).detail, /application "dev" is not among/);
    // A portal token of the application is not an API token: the relay is the operator's.
    assert.equal((await open(await portalToken(gw.url, ADMIN, 'dev'))).status, 401);
    // Guessing is limited per address as on the API: past the limit even the right token waits.
    for (let i = 0; i < 3; i++) assert.equal((await open(`wrong-token-${i}-000000000`)).status, 401);
    assert.equal((await open(undefined)).status, 429);
    assert.equal((await open(OPERATOR)).status, 429);
  });
});

test('portal tokens are keyed by the secret key: a new apiToken keeps them, another key refuses them', async () => {
  const tmp = tempDir('sluice-portal-key-');
  const other = tempDir('sluice-portal-key-other-');
  const first = 'first-api-token-0123456789';
  let gw = await start(`apiToken: ${first}\napplications:\n  dev: {}\n`, tmp.dir);
  try {
    const portal = await portalToken(gw.url, first, 'dev');
    assert.equal((await as(gw.url, portal)('/app/dev')).status, 200);
    await gw.stop();
    // The same data directory (its generated key file), the API token changed and a hashed-only config.
    gw = await start(`auth:\n  tokens: [{ name: ci, sha256: ${sha(ADMIN)}, role: admin }]\napplications:\n  dev: {}\n`, tmp.dir);
    assert.equal((await as(gw.url, first)('/auth/me')).status, 401, 'the old API token is gone');
    assert.equal((await as(gw.url, portal)('/app/dev')).status, 200, 'the portal token outlives the API token it was minted with');
    await gw.stop();
    // The same API token with another secret key: not this gateway's token.
    gw = await start(`apiToken: ${first}\napplications:\n  dev: {}\n`, other.dir);
    assert.equal((await as(gw.url, portal)('/auth/me')).status, 401);
  } finally {
    await gw.stop();
    tmp.remove();
    other.remove();
  }
});

const skip = await postgresSkip();

test("processes sharing SLUICE_SECRET_KEY accept each other's portal tokens, whatever their API tokens", {
  skip,
  timeout: 120_000,
}, async () => {
  const db = await freshDatabase();
  const dirs = [tempDir('sluice-pk-a-'), tempDir('sluice-pk-b-'), tempDir('sluice-pk-c-')];
  const key = Buffer.alloc(32, 7).toString('base64');
  const storage = `storage: { url: "${db.url}", poolSize: 2 }\napplications:\n  dev: {}\n`;
  const gateways: Gateway[] = [];
  try {
    gateways.push(await start(`apiToken: process-a-token-0123456789\nsecretKey: "${key}"\n${storage}`, dirs[0]!.dir, { role: 'api' }));
    gateways.push(
      await start(`auth:\n  tokens: [{ name: ci, sha256: ${sha(ADMIN)}, role: admin }]\nsecretKey: "${key}"\n${storage}`, dirs[1]!.dir, {
        role: 'api',
      }),
    );
    gateways.push(
      await start(
        `apiToken: process-a-token-0123456789\nsecretKey: "${Buffer.alloc(32, 9).toString('base64')}"\n${storage}`,
        dirs[2]!.dir,
        { role: 'api' },
      ),
    );
    const [a, b, c] = gateways as [Gateway, Gateway, Gateway];
    const fromA = await portalToken(a.url, 'process-a-token-0123456789', 'dev');
    const fromB = await portalToken(b.url, ADMIN, 'dev');
    assert.equal((await as(b.url, fromA)('/app/dev/endpoint')).status, 200);
    assert.equal((await as(a.url, fromB)('/app/dev/endpoint')).status, 200);
    assert.equal((await as(c.url, fromA)('/app/dev/endpoint')).status, 401, 'same API token, another secret key');
  } finally {
    for (const g of gateways) await g.stop();
    for (const d of dirs) d.remove();
    await db.drop();
  }
});
