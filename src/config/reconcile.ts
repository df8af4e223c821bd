import { defaults } from './defaults.ts';
import type { Section } from './section.ts';

interface ReconcileCommon {
  intervalMs: number;
  lookbackMs: number;
  /** The provider API's base URL instead of its public one (a proxy, a test server). */
  apiBase: string | undefined;
}

/** `reconcile:` on a source: how to ask its provider for the events it sent. */
export type ReconcileConfig =
  | (ReconcileCommon & { provider: 'stripe'; apiKey: string; types: string[] | null })
  | (ReconcileCommon & {
      provider: 'github';
      token: string;
      owner: string | undefined;
      repo: string | undefined;
      org: string | undefined;
      hookId: number;
      redeliver: boolean;
    });

const PROVIDERS = ['stripe', 'github'];

/** Reads `reconcile:` of one source, or `undefined` when it has none (or it is wrong: the problem is recorded). */
export function readReconcile(src: Section, provider: string, dedupeWindowMs: number): ReconcileConfig | undefined {
  if (!src.has('reconcile')) return undefined;
  const r = src.child('reconcile');
  if (!r) return undefined;
  if (!PROVIDERS.includes(provider)) {
    src.problem(
      'reconcile',
      `${provider} has no API that lists the events it sent; reconciliation is available for ${PROVIDERS.join(' and ')} (docs/operations.md)`,
    );
    return undefined;
  }
  // Received events are known by the provider's own event id; a source that dedupes on another field cannot be compared.
  if (src.has('idempotencyKey'))
    src.problem('reconcile', "cannot be used with idempotencyKey: reconciliation compares the provider's own event ids");
  const lookbackMs = r.duration('lookback', { min: 60_000 }) ?? defaults.reconcileLookbackMs;
  // Whether an event was received is read from the dedupe keys, which are forgotten after the window.
  if (lookbackMs > dedupeWindowMs)
    r.problem('lookback', 'must not be longer than ingest.dedupeWindow (an event older than that would be taken for a missing one)');
  const apiBase = r.str('apiBase');
  if (apiBase !== undefined && !/^https?:\/\/[^/?#]+/.test(apiBase)) r.problem('apiBase', 'must be an absolute http(s) URL');
  const common = { intervalMs: r.duration('interval', { min: 1000 }) ?? defaults.reconcileIntervalMs, lookbackMs, apiBase };
  if (provider === 'stripe') {
    r.onlyKeys(['apiKey', 'types', 'interval', 'lookback', 'apiBase']);
    return { ...common, provider, apiKey: r.str('apiKey', { required: true }) ?? '', types: r.strList('types') ?? null };
  }
  r.onlyKeys(['token', 'owner', 'repo', 'org', 'hookId', 'redeliver', 'interval', 'lookback', 'apiBase']);
  const owner = r.str('owner');
  const repo = r.str('repo');
  const org = r.str('org');
  if (org === undefined && (owner === undefined || repo === undefined))
    r.problem('repo', "name the hook's repository (owner and repo) or its organization (org)");
  if (org !== undefined && (owner !== undefined || repo !== undefined))
    r.problem('org', 'a hook belongs to a repository (owner, repo) or an organization (org), not both');
  return {
    ...common,
    provider: 'github',
    token: r.str('token', { required: true }) ?? '',
    owner,
    repo,
    org,
    hookId: r.int('hookId', { min: 1, max: Number.MAX_SAFE_INTEGER }) ?? r.problem('hookId', "required: the webhook's id") ?? 0,
    redeliver: r.bool('redeliver') ?? false,
  };
}
