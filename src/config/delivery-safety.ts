import type { HealthPolicy } from '../store/health.ts';
import type { ConfigChecks } from './checks.ts';
import { parseCidr } from './cidr.ts';
import { defaults } from './defaults.ts';
import { readEndpoint } from './endpoint.ts';
import { Section } from './section.ts';
import type { ApplicationConfig, EndpointConfig, NetworkPolicyConfig, OutboundConfig } from './types.ts';

/**
 * Reads the outbound side's settings: the SSRF guard (`allowPrivateNetworks`,
 * `delivery.httpsOnly`), the circuit breaker (`delivery.breaker`,
 * `delivery.disableAfter`) and `outbound:`. Operational webhook endpoints
 * become the reserved `sluice-operational` application, so they are synced and
 * delivered like any other.
 */
export function readOutbound(
  top: Section,
  delivery: Section | undefined,
  applications: Record<string, ApplicationConfig>,
  checks: ConfigChecks,
): {
  network: NetworkPolicyConfig;
  health: HealthPolicy;
  outbound: OutboundConfig;
} {
  const network = readNetwork(top, delivery);
  const breaker = delivery?.child('breaker');
  breaker?.onlyKeys(['failures', 'failureRate', 'window', 'minAttempts', 'cooldown']);
  const health: HealthPolicy = {
    failureThreshold: breaker?.int('failures', { min: 1, max: 1_000_000 }) ?? defaults.breakerFailures,
    failureRate: readRatio(breaker) ?? defaults.breakerFailureRate,
    windowMs: breaker?.duration('window', { min: 1000 }) ?? defaults.breakerWindowMs,
    minWindowAttempts: breaker?.int('minAttempts', { min: 1, max: 1_000_000 }) ?? defaults.breakerMinAttempts,
    cooldownMs: breaker?.duration('cooldown', { min: 10 }) ?? defaults.breakerCooldownMs,
    disableAfterMs: delivery?.duration('disableAfter', { min: 60_000 }) ?? defaults.disableAfterMs,
  };
  const out = top.child('outbound');
  out?.onlyKeys([
    'rotationGrace',
    'idempotencyTtl',
    'portalTokenTtl',
    'portalUrl',
    'payloadRetention',
    'operationalWebhooks',
    'apiRateLimit',
  ]);
  const portalUrl = out?.str('portalUrl');
  if (portalUrl !== undefined && !/^https?:\/\/[^/?#]+/.test(portalUrl)) out?.problem('portalUrl', 'must be an absolute http(s) URL');
  const operationalEndpoints: EndpointConfig[] = [];
  const list = out?.value.operationalWebhooks;
  if (list !== undefined && list !== null) {
    if (!Array.isArray(list)) out?.problem('operationalWebhooks', 'must be a list of endpoints');
    else
      list.forEach((_, i) => {
        const ep =
          out &&
          readEndpoint(
            new Section(list as unknown as Record<string, unknown>, out.keyPath('operationalWebhooks'), out.problems),
            i,
            checks,
          );
        if (ep) operationalEndpoints.push(ep);
      });
  }
  const reserved = defaults.operationalAppUid;
  if (applications[reserved])
    top.child('applications')?.problem(reserved, 'is reserved for operational webhooks (outbound.operationalWebhooks)');
  if (operationalEndpoints.length > 0)
    applications[reserved] = { uid: reserved, name: 'Operational webhooks', endpoints: operationalEndpoints };
  return {
    network,
    health,
    outbound: {
      rotationGraceMs: out?.duration('rotationGrace', { min: 0 }) ?? defaults.rotationGraceMs,
      idempotencyTtlMs: out?.duration('idempotencyTtl', { min: 1000 }) ?? defaults.idempotencyTtlMs,
      portalTokenTtlMs: out?.duration('portalTokenTtl', { min: 1000 }) ?? defaults.portalTokenTtlMs,
      portalUrl,
      payloadRetentionMs: out?.duration('payloadRetention', { min: 3_600_000 }) ?? defaults.payloadRetentionMs,
      operationalEndpoints,
      apiRateLimit: out?.int('apiRateLimit', { min: 0, max: 1_000_000 }) ?? defaults.apiRateLimit,
    },
  };
}

/** `true`/`false`, or a list of CIDRs (from the environment: comma-separated) allowed although private. */
function readNetwork(top: Section, delivery: Section | undefined): NetworkPolicyConfig {
  const httpsOnly = delivery?.bool('httpsOnly') ?? defaults.httpsOnly;
  const allowed = readPrivateNetworks(top) ?? { allowPrivateNetworks: defaults.allowPrivateNetworks as boolean, allowCidrs: [] };
  return { ...allowed, httpsOnly, tenantsInherit: top.bool('tenantsInheritPrivateNetworks') ?? defaults.tenantsInheritPrivateNetworks };
}

/** `allowPrivateNetworks` of a section (the top level or one application): absent → `undefined`. */
export function readPrivateNetworks(section: Section): Pick<NetworkPolicyConfig, 'allowPrivateNetworks' | 'allowCidrs'> | undefined {
  const value = section.value.allowPrivateNetworks;
  if (value === undefined || value === null) return undefined;
  const policy = { allowPrivateNetworks: false, allowCidrs: [] as string[] };
  if (typeof value === 'boolean' || value === 'true' || value === 'false')
    return { ...policy, allowPrivateNetworks: value === true || value === 'true' };
  const items =
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : value;
  if (!Array.isArray(items)) {
    section.problem('allowPrivateNetworks', 'must be true, false or a list of CIDRs such as [10.0.0.0/8]');
    return policy;
  }
  items.forEach((item, i) => {
    if (typeof item === 'string' && parseCidr(item)) policy.allowCidrs.push(item);
    else
      section.problems.push(
        `${section.keyPath('allowPrivateNetworks')}[${i}]: ${JSON.stringify(item)} is not a CIDR such as 10.0.0.0/8 or fd00::/8`,
      );
  });
  return policy;
}

function readRatio(section: Section | undefined): number | undefined {
  const value = section?.value.failureRate;
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !(n > 0 && n <= 1))
    return section?.problem('failureRate', 'must be a ratio above 0 and at most 1, such as 0.5');
  return n;
}
