import type { Config } from '../config/types.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/store.ts';

/**
 * Keeps the store's shape ahead of time and its history within retention:
 * creates the coming periods' partitions (PostgreSQL) and removes messages
 * past `storage.retention`. Every role runs it, because an ingest-only
 * cluster needs partitions too; the store serialises processes with a lock,
 * so many running it at once do the work once. A failed pass is logged and
 * retried at the next one: until then, rows land in the catch-all partition
 * and nothing is refused. One pass is awaited before the gateway listens;
 * the next ones are scheduled with the other periodic jobs (maintenance.ts).
 */
export class StorageUpkeep {
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  /** Never throws: a failure is the next pass's to retry. */
  pass(now = Date.now()): Promise<void> {
    this.running ??= this.run(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(now: number): Promise<void> {
    const { retentionMs, partitionIntervalMs } = this.config.storage;
    try {
      const created = await this.store.prepareStorage(now, partitionIntervalMs);
      if (created.length > 0) this.log.info({ partitions: created }, 'storage: partitions created ahead');
    } catch (err) {
      this.log.error({ err }, 'storage: creating partitions ahead failed; new rows go to the default partition until the next pass');
    }
    try {
      // A week past its expiry a grant says nothing useful any more (a reused link then reads "not known" rather than "used").
      await this.store.removePortalGrantsBefore(now - 7 * 86_400_000);
    } catch (err) {
      this.log.error({ err }, 'storage: removing expired portal sessions failed; retried at the next pass');
    }
    if (retentionMs === null) return;
    try {
      const removal = await this.store.removeBefore(now - retentionMs);
      // The audit log is kept as long as the messages it speaks of.
      const audited = await this.store.removeAuditBefore(now - retentionMs);
      if (audited > 0) this.log.info({ entries: audited }, 'storage: removed audit entries past retention');
      if (removal.partitions.length > 0 || removal.messages > 0) {
        this.log.info({ partitions: removal.partitions, messages: removal.messages }, 'storage: removed data past retention');
      }
      if (removal.heldBack > 0) {
        this.log.warn(
          { heldBack: removal.heldBack, kind: this.store.kind === 'postgres' ? 'partitions' : 'messages' },
          'storage: data past retention kept because deliveries are still to be made (disabled or failing endpoints?)',
        );
      }
    } catch (err) {
      this.log.error({ err }, 'storage: removing data past retention failed; retried at the next pass');
    }
  }
}
