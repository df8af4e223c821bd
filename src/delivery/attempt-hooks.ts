import type { Config } from '../config/types.ts';
import type { Logger } from '../observability/logger.ts';
import type { LeasedDelivery, NextState, Store } from '../store/store.ts';
import { OperationalWebhooks } from './operational.ts';
import type { Agent } from 'undici';
import { NetworkPolicies } from './network-policy.ts';
import { createAgent } from './send.ts';
import type { AddressGuard } from './ssrf.ts';

const PURGE_BATCH = 1000;
/** Svix sends `message.attempt.failing` after this many failed attempts in a row. */
const FAILING_AFTER = 4;

/**
 * What the delivery worker does around each attempt for the outbound side: the
 * SSRF guard its connections go through, the circuit breaker's bookkeeping,
 * operational webhooks, and the purge of expired payloads and idempotency
 * keys (run hourly by src/gateway/maintenance.ts). State lives in the store, so it holds across processes.
 */
export class AttemptHooks {
  /** Each application's SSRF guard (its private-network exception, src/delivery/network-policy.ts). */
  readonly policies: NetworkPolicies;
  readonly operational: OperationalWebhooks;
  /** One keep-alive agent per distinct guard; `null` keys the unguarded one (everything allowed, plain http too). */
  private readonly agents = new Map<AddressGuard | null, Agent>();
  private purgeFrom = 'msg_';

  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly log: Logger,
    onQueued: () => void,
  ) {
    this.policies = new NetworkPolicies(store, config);
    this.operational = new OperationalWebhooks(store, log, onQueued);
  }

  /** The agent a delivery of this application goes through: its connections are checked by the application's guard. */
  async agentFor(appId: string): Promise<Agent> {
    const guard = await this.policies.guardFor(appId);
    const key = guard.policy.allowPrivateNetworks && !guard.policy.httpsOnly ? null : guard;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = createAgent(key ?? undefined);
      this.agents.set(key, agent);
    }
    return agent;
  }

  async closeAgents(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close()));
    this.agents.clear();
  }

  /** Counts the attempt towards the endpoint's breaker; returns a reason to disable the endpoint, if it is time. */
  async health(leased: LeasedDelivery, ok: boolean): Promise<string | undefined> {
    const { endpoint } = leased;
    const change = await this.store.recordEndpointHealth(endpoint.id, ok, Date.now(), this.config.health);
    if (change.opened) this.log.warn({ endpoint: endpoint.uid ?? endpoint.id }, 'delivery: circuit breaker open; deliveries wait');
    if (change.closed) this.log.info({ endpoint: endpoint.uid ?? endpoint.id }, 'delivery: circuit breaker closed; deliveries resume');
    if (!change.disable) return undefined;
    return `failing without a success for ${Math.round(this.config.health.disableAfterMs / 3_600_000)} h`;
  }

  /** Operational webhooks for one recorded attempt (never throws). */
  async after(leased: LeasedDelivery, next: NextState, succeeded: boolean, disabled: string | undefined): Promise<void> {
    const { delivery, endpoint, message } = leased;
    const attempt = delivery.attempts + 1;
    const data = {
      appId: message.appId,
      endpointId: endpoint.id,
      endpointUid: endpoint.uid,
      msgId: message.id,
      eventType: message.eventType,
    };
    if (disabled) await this.operational.emit('endpoint.disabled', { appId: message.appId, endpointId: endpoint.id, reason: disabled });
    if (succeeded) {
      if (delivery.attempts >= FAILING_AFTER) await this.operational.emit('message.attempt.recovered', data);
      return;
    }
    if (next.state === 'dead') await this.operational.emit('message.attempt.exhausted', data);
    else if (attempt === FAILING_AFTER) await this.operational.emit('message.attempt.failing', data);
  }

  /** When a throttled or broken endpoint may send again (the scheduler sleeps no longer than that). */
  async unblockAt(): Promise<number | null> {
    return this.store.nextUnblockAt(Date.now());
  }

  /** Drops payloads past retention and expired idempotency keys. */
  async purgeExpired(now: number): Promise<void> {
    const before = now - this.config.outbound.payloadRetentionMs;
    let purged = 0;
    for (let pass = 0; pass < 100; pass++) {
      const result = await this.store.purgePayloads(now, before, this.purgeFrom, PURGE_BATCH);
      purged += result.purged;
      if (result.lastId === this.purgeFrom) break;
      this.purgeFrom = result.lastId;
    }
    const keys = await this.store.purgeIdempotency(now);
    if (purged > 0 || keys > 0) this.log.info({ purgedPayloads: purged, expiredIdempotencyKeys: keys }, 'retention: purged');
  }
}
