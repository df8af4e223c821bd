import { defaults } from '../config/defaults.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/store.ts';

/** The operational events Sluice emits (Svix's names). */
export type OperationalEvent =
  | 'endpoint.created'
  | 'endpoint.updated'
  | 'endpoint.deleted'
  | 'endpoint.disabled'
  | 'message.attempt.exhausted'
  | 'message.attempt.failing'
  | 'message.attempt.recovered';

/**
 * Operational webhooks, delivered through Sluice itself: each event is a
 * message of the reserved `sluice-operational` application, whose endpoints
 * come from `outbound.operationalWebhooks`; so they are stored, signed,
 * retried and visible like every other message. Without such endpoints
 * nothing is stored. Emitting never fails the caller: a lost event is logged.
 */
export class OperationalWebhooks {
  private appId: string | null | undefined;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly onQueued: () => void,
  ) {}

  /** The operational application's id (looked up once; it exists only when endpoints are configured). */
  async operationalAppId(): Promise<string | null> {
    if (this.appId === undefined) this.appId = (await this.store.getApplication(defaults.operationalAppUid))?.id ?? null;
    return this.appId;
  }

  async emit(type: OperationalEvent, data: Record<string, unknown>): Promise<void> {
    try {
      const appId = await this.operationalAppId();
      if (appId === null || data.appId === appId) return;
      const payload = Buffer.from(JSON.stringify({ type, timestamp: new Date().toISOString(), data }));
      const [outcome] = await this.store.ingest([
        {
          appId,
          source: null,
          eventType: type,
          eventId: null,
          orderingKey: null,
          sequence: null,
          payload,
          contentType: 'application/json',
          headers: {},
          channels: null,
          state: 'accepted',
          error: null,
          dedupeScope: `app:${appId}`,
          dedupeUntil: null,
        },
      ]);
      if (outcome && 'error' in outcome) throw outcome.error;
      this.onQueued();
    } catch (err) {
      this.log.error({ err, type }, 'operational webhook: could not store the event');
    }
  }
}
