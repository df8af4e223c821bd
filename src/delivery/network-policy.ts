import type { Config, NetworkPolicyConfig } from '../config/types.ts';
import type { Application } from '../store/records.ts';
import type { NetworkPolicyRecord } from '../store/security.ts';
import type { Store } from '../store/store.ts';
import { AddressGuard } from './ssrf.ts';

const CACHE_MS = 2_000;

/**
 * Which private-network exception applies to one application's endpoints,
 * in this order:
 * 1. the exception an admin set for it through the API (`PUT /app/{app_id}/network-policy`);
 * 2. for an application of the YAML, its own `allowPrivateNetworks`, else the global one;
 * 3. for an application created through the API (a tenant), none, unless the
 *    operator set `tenantsInheritPrivateNetworks`: a tenant never inherits the
 *    exception the operator made for its own internal endpoints.
 * `httpsOnly` is global either way.
 */
export function policyFor(config: Config, app: Pick<Application, 'uid'>, stored: NetworkPolicyRecord | null): NetworkPolicyConfig {
  const { httpsOnly } = config.network;
  if (stored) return { allowPrivateNetworks: stored.allowAll, allowCidrs: stored.allowCidrs, httpsOnly };
  const declared = app.uid !== null ? config.applications[app.uid] : undefined;
  if (declared) return { ...(declared.allowPrivateNetworks ?? config.network), httpsOnly };
  if (config.network.tenantsInherit) return { ...config.network, httpsOnly };
  return { allowPrivateNetworks: false, allowCidrs: [], httpsOnly };
}

/** The SSRF guard of each application (briefly cached: endpoints of one application share it). */
export class NetworkPolicies {
  private readonly cache = new Map<string, { guard: AddressGuard; at: number }>();
  private readonly guards = new Map<string, AddressGuard>();

  constructor(
    private readonly store: Store,
    private readonly config: Config,
  ) {}

  async guardFor(appId: string, now = Date.now()): Promise<AddressGuard> {
    const hit = this.cache.get(appId);
    if (hit && now - hit.at < CACHE_MS) return hit.guard;
    const app = await this.store.getApplication(appId);
    const stored = app ? await this.store.getNetworkPolicy(app.id) : null;
    const policy = app
      ? policyFor(this.config, app, stored)
      : { allowPrivateNetworks: false, allowCidrs: [], httpsOnly: this.config.network.httpsOnly };
    // One guard per distinct policy, so callers can key their connection pools on it.
    const key = JSON.stringify([policy.allowPrivateNetworks, [...policy.allowCidrs].sort(), policy.httpsOnly]);
    let guard = this.guards.get(key);
    if (!guard) {
      guard = new AddressGuard(policy);
      this.guards.set(key, guard);
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(appId, { guard, at: now });
    return guard;
  }

  /** Forgets what was cached of an application (its policy changed). */
  forget(appId: string): void {
    this.cache.delete(appId);
  }
}
