import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian keeps the server binaries (`initdb`, `pg_ctl`), newest major first. */
function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((d) => /^\d+$/.test(d))
    .sort((a, b) => Number(b) - Number(a));
  return majors.map((m) => join(root, m, 'bin')).find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A throwaway PostgreSQL server in a temporary directory, on its own port, so a
 * test may stop and start it without touching the server other tests share.
 * initdb refuses to run as root, so as root the tools run as the `postgres` user.
 */
export class PgInstance {
  readonly url: string;
  private running = false;

  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
    private readonly asUser: string | undefined,
  ) {
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  }

  /** Why no instance can be made here, or undefined. */
  static unavailable(): string | undefined {
    if (!binDir()) return 'no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql';
    if (process.getuid?.() === 0) {
      try {
        execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
      } catch {
        return 'running as root and there is no postgres user to run initdb as';
      }
    }
    return undefined;
  }

  static async create(): Promise<PgInstance> {
    const bin = binDir();
    if (!bin) throw new Error('no PostgreSQL server binaries');
    const dir = mkdtempSync(join(tmpdir(), 'sluice-pg-'));
    let asUser: string | undefined;
    if (process.getuid?.() === 0) {
      asUser = 'postgres';
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(dir, uid, gid);
    }
    const instance = new PgInstance(bin, dir, await freePort(), asUser);
    try {
      await instance.tool('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
      await instance.start();
    } catch (err) {
      await instance.remove();
      throw err;
    }
    return instance;
  }

  private async tool(name: string, args: string[]): Promise<void> {
    const file = join(this.bin, name);
    const [cmd, argv] = this.asUser ? ['runuser', ['-u', this.asUser, '--', file, ...args]] : [file, args];
    try {
      await run(cmd, argv, { timeout: 60_000 });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string };
      throw new Error(`${name} failed: ${e.stderr ?? ''}${e.stdout ?? ''}`, { cause: err });
    }
  }

  async start(): Promise<void> {
    await this.tool('pg_ctl', [
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'server.log'),
      '-w',
      '-t',
      '30',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`,
      'start',
    ]);
    this.running = true;
  }

  /** A fast shutdown: open transactions roll back and every connection is cut, as in a restart. */
  async stop(): Promise<void> {
    await this.tool('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', '-t', '30', 'stop']);
    this.running = false;
  }

  async remove(): Promise<void> {
    if (this.running) await this.tool('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    this.running = false;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
