import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Child, trace } from './child.ts';
import { BENCH_HMAC_SECRET } from './payload.ts';

/** An outside receiver the ingest figures are also compared with. */
export interface RunningPeer {
  /** Name and version, as printed in the report. */
  name: string;
  url: string;
  stop(): Promise<void>;
}

/** `BENCH_WEBHOOK_BIN` names another build of the daemon; otherwise it is looked up on PATH (Debian's package installs /usr/bin/webhook). */
const WEBHOOK_BIN = process.env.BENCH_WEBHOOK_BIN ?? 'webhook';

/** A free loopback port (the daemon takes a port number, not 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * adnanh/webhook, the Go daemon Debian packages: one hook whose trigger rule
 * checks `payload-hmac-sha256` on the `X-Signature` header with the bench's
 * key, so every request is verified as Sluice verifies its own (an HMAC-SHA256
 * of the body, signed when sent). A hook must name a command: `/bin/true`,
 * which the daemon starts after answering. Nothing is stored, so it is an
 * upper bound for verify-and-answer, not a durable peer. Resolves with why
 * not when the binary is not there.
 */
export async function startWebhookPeer(dir: string): Promise<RunningPeer | { absent: string }> {
  const probe = spawnSync(WEBHOOK_BIN, ['-version'], { encoding: 'utf8', timeout: 5_000 });
  if (probe.error || probe.status !== 0)
    return {
      absent: `the webhook daemon (adnanh/webhook) was not found as "${WEBHOOK_BIN}" (${probe.error?.message ?? `exit ${probe.status}`})`,
    };
  const version = /version\s+(\S+)/.exec(probe.stdout)?.[1] ?? 'unknown version';
  const hooks = join(dir, 'webhook-hooks.json');
  writeFileSync(
    hooks,
    JSON.stringify([
      {
        id: 'bench',
        'execute-command': '/bin/true',
        'response-message': '{"received":true}',
        'response-headers': [{ name: 'Content-Type', value: 'application/json' }],
        'http-methods': ['POST'],
        'trigger-rule': {
          match: { type: 'payload-hmac-sha256', secret: BENCH_HMAC_SECRET, parameter: { source: 'header', name: 'X-Signature' } },
        },
      },
    ]),
  );
  const port = await freePort();
  trace(`start webhook ${version} on ${port}`);
  const child = new Child(
    'webhook',
    spawn(WEBHOOK_BIN, ['-hooks', hooks, '-ip', '127.0.0.1', '-port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  // Quiet unless -verbose, so readiness is the port answering.
  for (;;) {
    try {
      await (await fetch(`${base}/`)).arrayBuffer();
      break;
    } catch (err) {
      if (!child.running || Date.now() > deadline) {
        await child.kill();
        throw new Error(`webhook daemon not ready: ${(err as Error).message} ${child.stderr.slice(-500)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    name: `webhook ${version}`,
    url: `${base}/hooks/bench`,
    stop: async () => void (await child.stop(5_000)),
  };
}
