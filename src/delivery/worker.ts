import { randomBytes } from 'node:crypto';
import type { Config } from '../config/types.ts';
import { defaults } from '../config/defaults.ts';
import type { LiveBus } from '../live/bus.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Tracing } from '../observability/tracing.ts';
import { GroupCommit } from '../store/group-commit.ts';
import type { AttemptRecord, LeasedDelivery, NextState, Store } from '../store/store.ts';
import type { RelayHub } from '../relay/hub.ts';
import type { AttemptBus } from './attempt-bus.ts';
import { AttemptHooks } from './attempt-hooks.ts';
import { brokerDeliverers } from './brokers/deliverers.ts';
import { BrokerConnections } from './brokers/connections.ts';
import { Deliverers, httpDeliverer } from './deliverer.ts';
import { relayDeliverer } from './relay-deliverer.ts';
import { nextAfterFailure } from './retry-policy.ts';
import type { SourceSigners } from './provider-signature.ts';
import type { SendResult } from './send.ts';
import { StallWatch } from './stall.ts';
import { Transformer } from '../transform/transformer.ts';

/**
 * After a pass that took everything it could, wake-ups (stored messages, finished
 * deliveries) arriving within this window are answered by one pass instead of one
 * pass each: a pass costs about the same for one delivery as for fifty.
 */
const GATHER_MS = 2;

/**
 * The scheduler and deliverer of one process: leases due deliveries while it has
 * free slots, sends each, and records the attempt with the delivery's next
 * state. Attempt records are group-committed like ingest. The loop never dies
 * silently: a failed pass is logged and retried after a pause.
 */
export class DeliveryWorker {
  readonly owner = `w_${randomBytes(6).toString('hex')}`;
  private readonly deliverers: Deliverers;
  private readonly brokers: BrokerConnections;
  private readonly hooks: AttemptHooks;
  private readonly transformer: Transformer;
  private readonly records: GroupCommit<AttemptRecord, void>;
  private readonly shutdown = new AbortController();
  private readonly inFlight = new Map<string, Promise<void>>();
  private running = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private loopDone: Promise<void> | undefined;
  private stopListening: (() => void) | undefined;
  private readonly stallWatch: StallWatch;

  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    /** Where attempt outcomes are announced (live stream, flow counters). */
    private readonly live?: LiveBus,
    private readonly extras: { relay?: RelayHub; attempts?: AttemptBus; signers?: SourceSigners } = {},
    /** Spans per attempt when tracing is on. */
    private readonly tracing?: Tracing,
  ) {
    this.hooks = new AttemptHooks(store, config, log, () => this.wake());
    this.stallWatch = new StallWatch(config.delivery.pollIntervalMs);
    this.transformer = new Transformer(config.transformations);
    this.brokers = new BrokerConnections(config.brokers, log);
    this.deliverers = new Deliverers({
      http: httpDeliverer((appId) => this.hooks.agentFor(appId), extras.signers),
      ...(extras.relay ? { relay: relayDeliverer(extras.relay, extras.signers) } : {}),
      ...brokerDeliverers(this.brokers, extras.signers),
    });
    extras.relay?.whenConnected(() => this.wake());
    this.records = new GroupCommit<AttemptRecord, void>(async (batch): Promise<undefined[]> => {
      await this.store.recordAttempts(batch);
      return batch.map(() => undefined);
    }, 256);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopListening = this.store.onDue(
      () => this.wake(),
      (err) => this.log.warn({ err }, 'delivery: lost the wake-up channel; polling until it is back'),
    );
    this.loopDone = this.loop();
  }

  /** Something became due (a message was stored, a slot freed): look now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Stops leasing, lets in-flight deliveries finish for up to `graceMs`, then
   * interrupts the rest and gives their leases back, so nothing waits for a
   * lease to expire after a clean stop.
   */
  async stop(graceMs: number): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopListening?.();
    this.wake();
    await this.loopDone;
    const all = Promise.allSettled([...this.inFlight.values()]);
    const timer = new Promise<'timeout'>((r) => setTimeout(r, graceMs, 'timeout').unref());
    if ((await Promise.race([all, timer])) === 'timeout') {
      this.log.warn({ inFlight: this.inFlight.size }, 'delivery: shutdown grace over, releasing leases');
      this.shutdown.abort();
      await all;
    }
    await this.records.drain();
    await this.hooks.closeAgents();
    await this.brokers.close();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        const free = this.config.delivery.concurrency - this.inFlight.size;
        let leased: LeasedDelivery[] = [];
        const limit = Math.min(free, this.config.delivery.leaseBatchSize);
        if (free > 0) {
          leased = await this.lease(Date.now(), limit, false);
          const idleMs = this.stallWatch.afterPass({ now: Date.now(), leased: leased.length, freeSlots: free });
          if (idleMs !== null) leased = await this.checkStall(idleMs, limit);
        }
        if (leased.length < limit || this.inFlight.size >= this.config.delivery.concurrency) {
          // Fewer than asked for: nothing else is due, or endpoint limits hold the rest. The
          // next pass waits for a wake-up, and then a little longer, so that the completions
          // and commits that come one by one are served together (at 2,000 messages/s a pass
          // per wake-up took more CPU than ingest itself). Not when this process is full: its
          // own completions are the wake-ups then, and waiting longer only idles slots
          // (measured: fan-out and end to end both slower with the wait).
          await this.sleep();
          if (this.inFlight.size < this.config.delivery.concurrency) await new Promise((r) => setTimeout(r, GATHER_MS));
        } else {
          // The SQLite store answers synchronously: without this, back-to-back passes would
          // never give the event loop to incoming requests (acks waited up to a second).
          await new Promise((r) => setImmediate(r));
        }
      } catch (err) {
        this.log.error({ err }, 'delivery: scheduler pass failed; retrying');
        await this.sleep(this.config.delivery.pollIntervalMs);
      }
    }
  }

  private async lease(now: number, limit: number, fullScan: boolean): Promise<LeasedDelivery[]> {
    const leased = await this.store.leaseDue({
      owner: this.owner,
      now,
      limit,
      defaultTimeoutMs: this.config.delivery.timeoutMs,
      defaultConcurrency: this.config.delivery.endpointConcurrency,
      leaseGraceMs: this.config.delivery.leaseGraceMs,
      ...(fullScan ? { fullScan } : {}),
    });
    for (const item of leased) this.inFlight.set(item.delivery.id, this.deliver(item));
    return leased;
  }

  /**
   * Passes have leased nothing for several poll intervals with slots free. Either nothing may go
   * (FIFO heads in flight elsewhere, endpoints at their limits) or the passes miss work that may:
   * a stall, which must never be silent. Counted by the store's full scan; recovered by one.
   */
  private async checkStall(idleMs: number, limit: number): Promise<LeasedDelivery[]> {
    const now = Date.now();
    // Only what has been due for a whole poll interval: the invariant's promise is broken for that, while
    // something due a moment ago may simply be on its way to another worker (a wake-up in flight).
    const leasable = await this.store.countLeasable(now - this.config.delivery.pollIntervalMs, this.config.delivery.endpointConcurrency);
    this.metrics.stalledLeasable.set(leasable);
    if (leasable === 0) return [];
    this.metrics.stalls.inc();
    const backlog = await this.store.backlog();
    const freeSlots = this.config.delivery.concurrency - this.inFlight.size;
    const recovered = await this.lease(now, limit, true);
    this.log.error(
      { leasable, idleMs, freeSlots, inFlight: this.inFlight.size - recovered.length, backlog, recovered: recovered.length },
      'delivery: STALL: deliveries are due and may be leased, but lease passes leased nothing; recovered by a full scan',
    );
    return recovered;
  }

  private async sleep(maxMs?: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    let ms = maxMs ?? this.config.delivery.pollIntervalMs;
    if (maxMs === undefined && this.inFlight.size < this.config.delivery.concurrency) {
      // A due time in the past means the last pass left it for lack of room
      // (endpoint concurrency, disabled endpoint): a completion wakes us for it.
      const due = await this.store.nextDueAt();
      if (due !== null && due > Date.now()) ms = Math.min(ms, due - Date.now());
      // A throttled or broken endpoint's deliveries are due already but wait for their endpoint.
      const unblock = await this.hooks.unblockAt();
      if (unblock !== null) ms = Math.max(1, Math.min(ms, unblock - Date.now()));
    }
    // A wake-up while the due times were read found no sleeper to end: without this check it was
    // lost, and the work it announced waited for the timer (up to a poll interval).
    if (this.woken) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
    this.woken = false;
  }

  /**
   * Takes back leases whose holder died (their delivery is due again) and refreshes the backlog
   * gauge: a periodic job of the worker role (src/gateway/maintenance.ts).
   */
  async reclaimExpiredLeases(now: number): Promise<void> {
    const reclaimed = await this.store.reclaimExpiredLeases(now);
    if (reclaimed > 0) {
      this.log.warn({ reclaimed }, 'delivery: took back expired leases');
      this.wake();
    }
    this.metrics.setBacklog(await this.store.backlog());
  }

  /** Forgets dedupe keys past the dedupe window (a periodic job of the worker role). */
  async purgeDedupe(now: number): Promise<void> {
    await this.store.purgeDedupe(now);
  }

  /** Payloads past retention and expired idempotency keys (a periodic job of the worker role). */
  purgeExpired(now: number): Promise<void> {
    return this.hooks.purgeExpired(now);
  }

  private async deliver(leased: LeasedDelivery): Promise<void> {
    const { delivery, endpoint, message } = leased;
    try {
      const timeoutMs = endpoint.timeoutMs ?? this.config.delivery.timeoutMs;
      // The lease was sized for one attempt plus leaseGrace. If more than the grace went by since (a stalled
      // event loop, a slow pass), the attempt could outlive the lease, and another process may take the
      // delivery back while this one still sends: two attempts at once. Give it back instead of sending.
      if (delivery.leaseExpiresAt !== null && Date.now() + timeoutMs > delivery.leaseExpiresAt) {
        this.log.warn({ msgId: message.id, deliveryId: delivery.id }, 'delivery: lease too close to expiry to send; giving it back');
        await this.store.releaseLeases(this.owner, [delivery.id], Date.now());
        return;
      }
      const deliverer = this.deliverers.for(endpoint);
      if (!deliverer) {
        // An endpoint type this process cannot send (a relay endpoint in a process without the hub): left for one that can.
        await this.store.releaseLeases(this.owner, [delivery.id], Date.now() + this.config.delivery.pollIntervalMs);
        return;
      }
      const transformed = await this.transformer.forDelivery(leased);
      if (transformed.kind !== 'send') {
        await this.notSent(leased, transformed);
        return;
      }
      const span = this.tracing?.startAttempt(message.headers.traceparent, {
        'sluice.message_id': message.id,
        'sluice.delivery_id': delivery.id,
        'sluice.endpoint': endpoint.uid ?? endpoint.id,
        'sluice.attempt': delivery.attempts + 1,
        'url.full': endpoint.url,
        'http.request.method': 'POST',
      });
      // The endpoint gets the attempt's own traceparent, so its handler's spans hang under this attempt.
      const sent = span
        ? {
            ...transformed.leased,
            message: {
              ...transformed.leased.message,
              headers: { ...transformed.leased.message.headers, traceparent: (this.tracing as Tracing).traceparent(span) },
            },
          }
        : transformed.leased;
      const result = await deliverer.send(sent, timeoutMs, this.shutdown.signal);
      if (span) {
        if (result.status !== null) span.setAttribute('http.response.status_code', result.status);
        this.tracing?.end(
          span,
          result.status !== null && result.status >= 200 && result.status < 300 ? undefined : (result.error ?? `answered ${result.status}`),
        );
      }
      if (result.interrupted || result.postponeUntil !== undefined) {
        await this.store.releaseLeases(this.owner, [delivery.id], result.postponeUntil ?? Date.now());
        return;
      }
      this.extras.attempts?.publish({
        msgId: message.id,
        endpointId: endpoint.id,
        endpointUid: endpoint.uid,
        status: result.status,
        contentType: result.contentType,
        body: result.responseBody,
        succeeded: result.status !== null && result.status >= 200 && result.status < 300,
      });
      const decided = this.decide(leased, result);
      const { next, outcome } = decided;
      const disable = decided.disable ?? (await this.hooks.health(leased, outcome === 'succeeded'));
      await this.records.submit({
        deliveryId: delivery.id,
        leaseOwner: this.owner,
        attempt: {
          deliveryId: delivery.id,
          messageId: message.id,
          endpointId: endpoint.id,
          appId: message.appId,
          url: transformed.leased.endpoint.url,
          trigger: leased.trigger,
          startedAt: result.startedAt,
          durationMs: result.durationMs,
          status: result.status,
          responseBody: result.responseBody,
          error: result.error,
          succeeded: outcome === 'succeeded',
          requestHeaders: result.requestHeaders ?? null,
          responseHeaders: result.responseHeaders ?? null,
        },
        next,
        ...(disable ? { disableEndpoint: disable } : {}),
      });
      const label = endpoint.uid ?? endpoint.id;
      this.metrics.deliveries.inc({ endpoint: label, outcome });
      this.metrics.attemptSeconds.observe({ endpoint: label }, result.durationMs / 1000);
      const fields = {
        msgId: message.id,
        endpoint: label,
        attempt: delivery.attempts + 1,
        trigger: leased.trigger,
        status: result.status,
        durationMs: result.durationMs,
        outcome,
        error: result.error ?? undefined,
        nextAttemptAt: next.state === 'scheduled' ? new Date(next.at).toISOString() : undefined,
      };
      if (outcome === 'succeeded') this.log.info(fields, 'delivery');
      else this.log.warn(fields, 'delivery');
      this.live?.publish(
        {
          type: 'attempt',
          at: new Date(result.startedAt).toISOString(),
          app: message.appId,
          endpointId: endpoint.id,
          msgId: message.id,
          deliveryId: delivery.id,
          eventType: message.eventType,
          status: result.status,
          outcome: outcome === 'succeeded' ? 'succeeded' : next.state === 'dead' ? 'dead' : 'failed',
          durationMs: result.durationMs,
          ...(result.error ? { error: result.error } : {}),
        },
        { source: message.source ?? '', ...(outcome === 'succeeded' ? { latencyMs: Date.now() - message.receivedAt } : {}) },
      );
      await this.hooks.after(leased, next, outcome === 'succeeded', disable);
    } catch (err) {
      // The lease expires and the delivery comes back: log loudly, lose nothing.
      this.log.error({ err, msgId: message.id, deliveryId: delivery.id }, 'delivery: could not record the attempt');
    } finally {
      this.inFlight.delete(delivery.id);
      this.wake();
    }
  }

  /**
   * A delivery its endpoint's transformation cancelled (`skipped`, with the reason) or failed on
   * (a failed attempt on the retry schedule, so a fixed transformation gets it through). Neither
   * counts towards the endpoint's breaker: the receiver was never asked.
   */
  private async notSent(
    leased: LeasedDelivery,
    outcome: { kind: 'cancel'; reason: string } | { kind: 'failed'; error: string },
  ): Promise<void> {
    const { delivery, endpoint, message } = leased;
    const now = Date.now();
    const next: NextState =
      outcome.kind === 'cancel'
        ? { state: 'skipped', reason: 'cancelled' }
        : nextAfterFailure({
            attempts: delivery.attempts + 1,
            scheduleMs: endpoint.retryScheduleMs ?? this.config.delivery.retryScheduleMs,
            jitter: defaults.retryJitter,
            maxRetryAfterMs: this.config.delivery.maxRetryAfterMs,
            retryAfterMs: undefined,
            manual: leased.trigger === 'manual',
            now,
          });
    const error = outcome.kind === 'cancel' ? `cancelled by the transformation: ${outcome.reason}` : outcome.error;
    await this.records.submit({
      deliveryId: delivery.id,
      leaseOwner: this.owner,
      attempt: {
        deliveryId: delivery.id,
        messageId: message.id,
        endpointId: endpoint.id,
        appId: message.appId,
        url: endpoint.url,
        trigger: leased.trigger,
        startedAt: now,
        durationMs: Date.now() - now,
        status: null,
        responseBody: null,
        error,
        succeeded: false,
      },
      next,
    });
    const outcomeLabel = outcome.kind === 'cancel' ? 'cancelled' : next.state === 'dead' ? 'dead' : 'retry';
    this.metrics.deliveries.inc({ endpoint: endpoint.uid ?? endpoint.id, outcome: outcomeLabel });
    this.log.warn(
      { msgId: message.id, endpoint: endpoint.uid ?? endpoint.id, attempt: delivery.attempts + 1, outcome: outcomeLabel, error },
      'delivery',
    );
    if (outcome.kind === 'failed') await this.hooks.after(leased, next, false, undefined);
  }

  private decide(leased: LeasedDelivery, result: SendResult): { next: NextState; outcome: string; disable?: string } {
    const status = result.status;
    if (status !== null && status >= 200 && status < 300) return { next: { state: 'succeeded' }, outcome: 'succeeded' };
    if (result.permanent) return { next: { state: 'dead' }, outcome: 'dead' };
    if (status === 410) {
      return { next: { state: 'dead' }, outcome: 'disabled', disable: 'the endpoint answered 410 Gone' };
    }
    const next = nextAfterFailure({
      attempts: leased.delivery.attempts + 1,
      scheduleMs: leased.endpoint.retryScheduleMs ?? this.config.delivery.retryScheduleMs,
      jitter: defaults.retryJitter,
      retryAfterMs: result.retryAfterMs,
      maxRetryAfterMs: this.config.delivery.maxRetryAfterMs,
      manual: leased.trigger === 'manual',
      now: Date.now(),
    });
    return { next, outcome: next.state === 'dead' ? 'dead' : 'retry' };
  }
}
