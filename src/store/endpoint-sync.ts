import type { Endpoint, EndpointSecret, SyncedEndpoint } from './records.ts';
import type { EndpointDefaults } from './rules.ts';

export type { SyncedEndpoint };

/** What a config sync reads of an application declared in the config (the config's `ApplicationConfig` is one). */
export interface SyncedApplication {
  /** The YAML key; stored as the application's `uid`. */
  uid: string;
  name: string;
  endpoints: SyncedEndpoint[];
}

/**
 * What a config sync keeps of an endpoint that exists already. An endpoint
 * without a `secret:` keeps the one it was given before (or gets a new one), so
 * receivers need not change their secret on every restart. An endpoint disabled
 * at run time (a 410) stays disabled across restarts until its URL changes in
 * the config or the config says so explicitly.
 */
export function syncedEndpointState(
  current: Endpoint | null,
  ep: SyncedEndpoint,
  generateSecret: () => string,
): { secrets: EndpointSecret[]; disabled: boolean; reason: string | null } {
  let secrets: EndpointSecret[];
  if (ep.secret !== undefined) {
    secrets = current?.secrets[0]?.secret === ep.secret ? current.secrets : [{ secret: ep.secret, expiresAt: null }];
  } else {
    secrets = current?.secrets.length ? current.secrets : [{ secret: generateSecret(), expiresAt: null }];
  }
  const keepDisabled = current?.disabled === true && current.url === ep.url;
  const reason = ep.disabled ? 'disabled in the config' : keepDisabled ? current.disabledReason : null;
  return { secrets, disabled: ep.disabled || keepDisabled, reason };
}

/** The ordering and routing settings a config sync writes, with the defaults for keys the config left out. */
export function orderingColumns(
  ep: SyncedEndpoint,
  defaults: EndpointDefaults,
): Pick<Endpoint, 'fifo' | 'stalePolicy' | 'onDead' | 'reorderWindowMs' | 'filter' | 'recordSkipped'> {
  return {
    fifo: ep.fifo ?? false,
    stalePolicy: ep.stale ?? defaults.stalePolicy,
    onDead: ep.onDead ?? defaults.onDead,
    reorderWindowMs: ep.reorderWindowMs ?? null,
    filter: ep.filter ?? null,
    recordSkipped: ep.recordSkipped ?? defaults.recordSkipped,
  };
}
