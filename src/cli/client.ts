import { parseDuration } from '../config/units.ts';
import { Option, type Command } from 'commander';
import { Output, useColour, type ColorChoice, type Format } from './output.ts';
import { readProfile } from './profile.ts';

/** The gateway a client command talks to when nothing says otherwise. */
export const DEFAULT_SERVER = 'http://127.0.0.1:8787';

/** The command was called wrongly: exit 2. */
export class UsageError extends Error {}
/** The command ran and failed (the gateway said no, the network failed): exit 1. */
export class CliError extends Error {}

/** The flags every client command shares. */
export interface ClientFlags {
  server?: string;
  token?: string;
  format: Format;
  color: ColorChoice;
}

/** Adds `--server`, `--token`, `--format` and `--color` to a client command. */
export function clientCommand(cmd: Command): Command {
  return cmd
    .option('--server <url>', `the gateway (SLUICE_SERVER, else the login profile, else ${DEFAULT_SERVER})`)
    .option('--token <token>', 'API token (SLUICE_TOKEN, else the login profile)')
    .addOption(new Option('--format <format>', 'human lines or one JSON object per line').choices(['human', 'json']).default('human'))
    .addOption(
      new Option('--color <when>', 'colour the output (auto: on a terminal without NO_COLOR)')
        .choices(['auto', 'always', 'never'])
        .default('auto'),
    )
    .exitOverride()
    .showHelpAfterError();
}

/** flag > environment > login profile > default. */
export function resolveTarget(
  flags: Pick<ClientFlags, 'server' | 'token'>,
  env: NodeJS.ProcessEnv = process.env,
): { server: string; token: string | undefined } {
  const profile = readProfile(env);
  const server = (flags.server ?? (env.SLUICE_SERVER || undefined) ?? profile?.server ?? DEFAULT_SERVER).replace(/\/+$/, '');
  try {
    const url = new URL(server);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`--server ${server}: expected an http:// or https:// URL`);
  }
  // A profile's token belongs to its server; it is not sent to another one.
  const profileToken = profile && profile.server.replace(/\/+$/, '') === server ? profile.token : undefined;
  return { server, token: flags.token ?? (env.SLUICE_TOKEN || undefined) ?? profileToken };
}

export function outputFor(flags: ClientFlags): Output {
  return new Output(flags.format, useColour(flags.color, process.stdout.isTTY === true));
}

/** A JSON answer of the gateway's API. */
export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
}

/** The gateway's `/api/v1`, with the token; errors become `CliError` with the API's own words. */
export class ApiClient {
  constructor(
    readonly server: string,
    readonly token: string | undefined,
  ) {}

  static from(flags: ClientFlags): ApiClient {
    const { server, token } = resolveTarget(flags);
    return new ApiClient(server, token);
  }

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    ok: (status: number) => boolean = (s) => s >= 200 && s < 300,
  ): Promise<ApiAnswer<T>> {
    if (this.token === undefined) throw new UsageError('no API token: pass --token, set SLUICE_TOKEN, or run sluice login');
    let res: Response;
    try {
      res = await fetch(`${this.server}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new CliError(`could not reach the gateway at ${this.server}: ${describeFetchError(err)}`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: kept as text for the message.
    }
    if (!ok(res.status)) {
      const detail =
        parsed !== null && typeof parsed === 'object'
          ? ((parsed as { detail?: unknown; reason?: unknown }).detail ?? (parsed as { reason?: unknown }).reason ?? text)
          : text;
      throw new CliError(`${method} ${path}: ${res.status} ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
    }
    return { status: res.status, body: parsed as T };
  }

  get<T = unknown>(path: string): Promise<ApiAnswer<T>> {
    return this.request<T>('GET', path);
  }
}

/** fetch() hides the reason in `cause`; say it plainly. */
export function describeFetchError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  if (e.cause?.code === 'ECONNREFUSED') return 'connection refused (is the gateway running?)';
  return e.cause?.message ?? e.message ?? String(err);
}

/** A client command's body: it answers its exit code, or nothing for 0. */
type ClientBody = ((out: Output) => Promise<number>) | ((out: Output) => Promise<void>);

/** Runs a client command's body and turns its errors into exit codes, printed on stderr. */
export async function runClient(flags: ClientFlags, body: ClientBody): Promise<number> {
  let out: Output;
  try {
    out = outputFor(flags);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    const code = await body(out);
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    out.error((err as Error).message);
    return err instanceof UsageError ? 2 : 1;
  }
}

/** A duration flag (`--since 2h`, `--keep 24h`) in milliseconds, in the config's own units. */
export function durationFlag(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new UsageError(`${flag} ${text}: expected a duration such as 30m, 2h or 7d`);
  return ms;
}
