import { existsSync } from 'node:fs';
import { loadConfig } from '../gateway/config.ts';
import type { SourceConfig } from '../config/types.ts';
import { ConfigError } from '../errors.ts';
import { fixtureProvider, fixturesOf, findFixture, listFixtures } from '../fixtures/catalog.ts';
import { buildEvent } from '../fixtures/build.ts';
import { EditError, parseEdit, type FixtureEdit } from '../fixtures/edits.ts';
import { canSign } from '../fixtures/sign.ts';
import { CliError, describeFetchError, resolveTarget, runClient, UsageError, type ClientFlags } from './client.ts';
import { statusColour } from './output.ts';

export interface TriggerFlags extends ClientFlags {
  source?: string;
  secret?: string;
  config?: string;
  override: string[];
  add: string[];
  remove: string[];
  repeat: number;
  print?: boolean;
}

/**
 * `sluice trigger PROVIDER EVENT`: a fixture with fresh ids, the edits asked
 * for, signed as the provider signs with the source's secret (from the config,
 * or `--secret`), POSTed to the source's ingest URL.
 */
export function trigger(provider: string, event: string, flags: TriggerFlags): Promise<number> {
  return runClient(flags, async (out) => {
    if (fixturesOf(provider).length === 0) {
      const known = [...new Set(listFixtures().map((f) => f.provider))].join(', ');
      throw new UsageError(`no fixtures for provider ${provider} (there are: ${known}; see sluice fixtures)`);
    }
    const fixture = findFixture(provider, event);
    if (!fixture)
      throw new UsageError(
        `no ${provider} fixture ${event}; known: ${fixturesOf(provider)
          .map((f) => f.event)
          .join(', ')}`,
      );
    const edits: FixtureEdit[] = [];
    try {
      for (const o of flags.override) edits.push(parseEdit('override', o));
      for (const a of flags.add) edits.push(parseEdit('add', a));
      for (const r of flags.remove) edits.push(parseEdit('remove', r));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const source = await findSource(provider, flags);
    const signer = source?.provider ?? provider;
    if (!canSign(signer)) throw new UsageError(`cannot sign for provider ${signer}`);
    const secret = flags.secret ?? source?.secrets[0];
    if (secret === undefined)
      throw new UsageError(`no secret for ${provider}: name a source of the config with --source (and --config), or pass --secret`);
    const name = flags.source ?? source?.name ?? provider;
    const { server } = resolveTarget(flags);
    const target = `${server}/in/${encodeURIComponent(name)}`;
    let failed = 0;
    for (let i = 0; i < flags.repeat; i++) {
      let built: ReturnType<typeof buildEvent>;
      try {
        built = buildEvent(fixture, { provider: signer, secret, url: source?.publicUrl ?? target, edits });
      } catch (err) {
        if (err instanceof EditError) throw new UsageError(err.message);
        throw err;
      }
      if (flags.print) {
        const headers = Object.fromEntries(Object.entries(built.headers).sort(([a], [b]) => a.localeCompare(b)));
        out.emit(
          `POST ${target}\n${Object.entries(headers)
            .map(([k, v]) => `${k}: ${v}`)
            .join('\n')}\n\n${built.body.toString('utf8')}`,
          { method: 'POST', url: target, headers, body: built.body.toString('utf8') },
        );
        continue;
      }
      let res: Response;
      try {
        res = await fetch(target, { method: 'POST', headers: built.headers, body: new Uint8Array(built.body) });
      } catch (err) {
        throw new CliError(`could not reach the gateway at ${server}: ${describeFetchError(err)}`);
      }
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // The answer stays text.
      }
      const msgId =
        body !== null && typeof body === 'object' && typeof (body as { id?: unknown }).id === 'string'
          ? (body as { id: string }).id
          : undefined;
      if (res.status < 200 || res.status >= 300) failed++;
      out.emit(`${out.paint(statusColour(res.status), `[${res.status}]`)} POST ${target}  ${fixture.provider}/${fixture.event}  ${text}`, {
        provider: fixture.provider,
        event: fixture.event,
        source: name,
        url: target,
        status: res.status,
        ...(msgId ? { msgId } : {}),
        body,
      });
    }
    if (failed > 0) throw new CliError(`${failed} of ${flags.repeat} request${flags.repeat === 1 ? ' was' : 's were'} not accepted`);
    return 0;
  });
}

/**
 * The config's source for this trigger: the one named, else the only one of
 * the provider. Without a config, `--secret` alone is enough (the source is
 * then assumed to be named after the provider).
 */
async function findSource(provider: string, flags: TriggerFlags): Promise<SourceConfig | undefined> {
  const file = flags.config ?? (existsSync('sluice.yaml') ? 'sluice.yaml' : undefined);
  if (file === undefined) {
    if (flags.secret !== undefined) return undefined;
    throw new UsageError("no config to read the source's secret from: pass --config FILE (or run where sluice.yaml is), or --secret");
  }
  let sources: Record<string, SourceConfig>;
  try {
    sources = (await loadConfig(file)).sources;
  } catch (err) {
    if (flags.secret !== undefined && flags.config === undefined) return undefined;
    throw new UsageError(err instanceof ConfigError ? err.message : (err as Error).message);
  }
  const family = fixtureProvider(provider);
  if (flags.source !== undefined) {
    const named = sources[flags.source];
    if (!named) throw new UsageError(`no source ${flags.source} in ${file} (there are: ${Object.keys(sources).join(', ') || 'none'})`);
    if (fixtureProvider(named.provider) !== family)
      throw new UsageError(`source ${flags.source} is a ${named.provider} source, not ${provider}`);
    return named;
  }
  const matching = Object.values(sources).filter((s) => fixtureProvider(s.provider) === family);
  if (matching.length === 1) return matching[0];
  if (flags.secret !== undefined) return undefined;
  if (matching.length === 0) throw new UsageError(`no ${provider} source in ${file}: add one, or pass --source and --secret`);
  throw new UsageError(`several ${provider} sources in ${file} (${matching.map((s) => s.name).join(', ')}): pick one with --source`);
}

/** `sluice fixtures [PROVIDER]`: what `trigger` can send. */
export function fixtures(provider: string | undefined, flags: ClientFlags): Promise<number> {
  return runClient(flags, async (out) => {
    const list = provider === undefined ? listFixtures() : fixturesOf(provider);
    if (list.length === 0) throw new UsageError(`no fixtures for provider ${provider ?? ''}`);
    const width = Math.max(...list.map((f) => f.provider.length + f.event.length + 1));
    for (const f of list) {
      out.emit(`${`${f.provider} ${f.event}`.padEnd(width)}  ${f.description}`, {
        provider: f.provider,
        event: f.event,
        description: f.description,
        body: f.form ? 'form' : 'json',
      });
    }
  });
}
