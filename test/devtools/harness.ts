import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startNode, type Child } from '../../bench/lib/child.ts';
import { startSluice, type RunningSluice } from '../../bench/lib/sluice.ts';
import { runCli as runCliOnce } from '../helpers/cli.ts';
import { API_TOKEN } from '../helpers/gateway.ts';

/** A free loopback port (for a gateway that must come back at the same address). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Writes a gateway config (apiToken, loopback, data dir) with `body` appended; returns its path. */
export function writeGatewayConfig(dir: string, port: number, body: string): string {
  const file = join(dir, 'sluice.yaml');
  writeFileSync(
    file,
    `apiToken: ${API_TOKEN}\nallowPrivateNetworks: true\nserver: { host: 127.0.0.1, port: ${port} }\ndataDir: "${dir}"\nlogLevel: warn\n${body}`,
  );
  return file;
}

export function startGatewayChild(file: string): Promise<RunningSluice> {
  return startSluice(file, { name: 'sluice gateway (devtools test)' });
}

/** A long-running `sluice` command (listen, tail) as a child process, with its own config directory. */
export function startCliChild(args: string[], env: Record<string, string> = {}): Child {
  return startNode(`sluice ${args[0]}`, 'bin/sluice', args, {
    tsx: false,
    env: { ...process.env, SLUICE_TOKEN: API_TOKEN, NO_COLOR: '', ...env },
  });
}

/** How often `pattern` occurs in the child's stdout. */
export function count(child: Child, pattern: RegExp): number {
  return (child.stdout.match(new RegExp(pattern.source, 'g')) ?? []).length;
}

/** Waits until `pattern` occurs at least `n` times in the child's stdout. */
export async function waitForCount(child: Child, pattern: RegExp, n: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (count(child, pattern) < n) {
    if (!child.running) throw new Error(`${child.name} exited:\n${child.stdout.slice(-2000)}\n${child.stderr.slice(-2000)}`);
    if (Date.now() > deadline)
      throw new Error(
        `${child.name}: ${pattern} seen ${count(child, pattern)} of ${n} times in ${timeoutMs} ms:\n${child.stdout.slice(-3000)}\n${child.stderr.slice(-1000)}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `bin/sluice` to completion, with a bound generous enough for a loaded
 * machine (a client command takes well under a second alone, but has been
 * seen to take 30 s of wall time with the machine's cores shared many ways).
 */
export function runCli(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): ReturnType<typeof runCliOnce> {
  return runCliOnce(args, { timeoutMs: 120_000, ...opts });
}
