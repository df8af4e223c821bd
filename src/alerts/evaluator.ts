import type { ChannelConfig, RuleConfig } from '../config/alerts.ts';
import type { Config } from '../config/types.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { AlertEvaluation, AlertEvent, AlertState } from '../store/alerts.ts';
import { newId } from '../store/ids.ts';
import type { Store } from '../store/store.ts';
import { sendToChannel } from './channels/index.ts';
import { gatherFacts, type ReconcileFacts } from './facts.ts';
import { alertMessage } from './message.ts';
import { RejectionSampler } from './rejections.ts';
import { observe } from './rules.ts';
import { step } from './state-machine.ts';

export const ALERT_LEASE = 'alerts';

/** The wait before try number `attempts + 1` of a notification: doubling from `initial`, capped. */
export function retryDelay(attempts: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempts - 1));
}

/** One evaluation of every rule against the stored states: what to write, pure. */
export function evaluate(
  rules: RuleConfig[],
  prev: AlertState[],
  observations: Map<string, ReturnType<typeof observe>>,
  now: number,
): AlertEvaluation {
  const out: AlertEvaluation = { upsert: [], forget: [], events: [] };
  const known = new Set(rules.map((r) => r.name));
  for (const s of prev) if (!known.has(s.rule)) out.forget.push({ rule: s.rule, subject: s.subject });
  for (const rule of rules) {
    const seen = new Map((observations.get(rule.name) ?? []).map((o) => [o.subject, o]));
    const states = new Map(prev.filter((s) => s.rule === rule.name).map((s) => [s.subject, s]));
    for (const subject of new Set([...seen.keys(), ...states.keys()])) {
      const before = states.get(subject);
      const { next, transition } = step(rule, subject, before, seen.get(subject), now);
      if (next) out.upsert.push(next);
      else if (before) out.forget.push({ rule: rule.name, subject });
      const about = next ?? { ...(before as AlertState), value: seen.get(subject)?.value ?? before?.value ?? null };
      if (transition)
        out.events.push({
          event: {
            rule: rule.name,
            subject,
            kind: transition,
            value: about.value,
            detail: seen.get(subject)?.detail ?? about.detail,
            at: now,
          },
          channels: rule.channels,
        });
    }
  }
  return out;
}

/**
 * Evaluates the alert rules and sends their notifications, in exactly one
 * process: the holder of the `alerts` lease in the store. Every process tries
 * to take it each interval; the holder renews it, so when it dies another one
 * takes over within `alerts.lease`. Notifications are an outbox in the store:
 * written in the same transaction as the transition, sent after, retried with
 * backoff while a channel is down, and visible in `GET /api/v1/alerts`.
 * `tick` runs every `alerts.evaluateInterval` (src/gateway/maintenance.ts).
 */
export class AlertEvaluator {
  readonly owner = newId('alertw');
  private readonly sampler: RejectionSampler;
  private holding = false;

  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly sources: Array<{ name: string; appId: string }>,
    metrics: Metrics,
    private readonly log: Logger,
    private readonly reconcile?: ReconcileFacts,
  ) {
    const windows = config.alerts.rules.map((r) => r.windowMs);
    this.sampler = new RejectionSampler(metrics, Math.max(60_000, ...windows) * 2);
  }

  /** Whether there is anything to evaluate: no rules, no loop. */
  get enabled(): boolean {
    return this.config.alerts.rules.length > 0;
  }

  /** Gives the lease up, so another process takes over at once (after the last tick: the caller stops the ticks first). */
  async stop(): Promise<void> {
    if (this.holding)
      await this.store
        .releaseLease(ALERT_LEASE, this.owner)
        .catch((err: unknown) => this.log.warn({ err }, 'alerts: could not release the lease'));
  }

  /** One round: sample, take or renew the lease, evaluate, send what is due. */
  async tick(now = Date.now()): Promise<void> {
    try {
      await this.sampler.sample(now);
      const held = await this.store.acquireLease(ALERT_LEASE, this.owner, now, this.config.alerts.leaseMs);
      if (held !== this.holding)
        this.log.info(
          { owner: this.owner },
          held ? 'alerts: this process evaluates the rules' : 'alerts: another process evaluates the rules',
        );
      this.holding = held;
      if (!held) return;
      await this.evaluateOnce(now);
      await this.sendDue(Date.now());
    } catch (err) {
      this.log.error({ err }, 'alerts: evaluation failed; trying again next interval');
    }
  }

  private async evaluateOnce(now: number): Promise<void> {
    const rules = this.config.alerts.rules;
    const facts = await gatherFacts(this.store, rules, this.sources, this.sampler, this.reconcile, now);
    const observations = new Map(rules.map((r) => [r.name, observe(r, facts)]));
    const evaluation = evaluate(rules, await this.store.listAlertStates(), observations, now);
    if (evaluation.upsert.length === 0 && evaluation.forget.length === 0 && evaluation.events.length === 0) return;
    const { written } = await this.store.recordAlertEvaluation(ALERT_LEASE, this.owner, evaluation, now);
    if (!written) {
      this.holding = false;
      this.log.warn({ owner: this.owner }, 'alerts: lost the lease during an evaluation; its outcome was not written');
      return;
    }
    for (const { event } of evaluation.events)
      this.log.info({ rule: event.rule, subject: event.subject, kind: event.kind, summary: event.detail.summary }, 'alert');
  }

  private async sendDue(now: number): Promise<void> {
    const { channels, retryInitialMs, retryMaxMs, giveUpAfterMs } = this.config.alerts;
    for (const { notification: n, event } of await this.store.dueAlertNotifications(now, 50)) {
      const channel = channels[n.channel];
      if (!channel) {
        await this.store.finishAlertNotification(
          n.id,
          { sent: false, error: `channel "${n.channel}" is no longer configured`, retryAt: null },
          now,
        );
        continue;
      }
      try {
        await this.send(channel, event, now);
        await this.store.finishAlertNotification(n.id, { sent: true }, Date.now());
      } catch (err) {
        const error = (err as Error).message;
        const giveUp = now - n.createdAt >= giveUpAfterMs;
        const retryAt = giveUp ? null : Date.now() + retryDelay(n.attempts + 1, retryInitialMs, retryMaxMs);
        // The channel's name and type only: its URL or routing key is a secret.
        this.log.warn(
          { channel: n.channel, type: channel.type, event: event.id, attempts: n.attempts + 1, error, retryAt },
          giveUp ? 'alerts: notification given up' : 'alerts: notification failed; will retry',
        );
        await this.store.finishAlertNotification(n.id, { sent: false, error, retryAt }, Date.now());
      }
    }
  }

  /** Sends one event to one channel (also the test-notification route's way out). */
  async send(channel: ChannelConfig, event: AlertEvent, now: number): Promise<void> {
    const rule = this.config.alerts.rules.find((r) => r.name === event.rule) ?? {
      name: event.rule,
      kind: 'endpoint-disabled' as const,
      severity: 'info' as const,
    };
    await sendToChannel(channel, alertMessage(event, rule), now);
  }
}
