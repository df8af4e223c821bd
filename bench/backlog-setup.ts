/**
 * Builds a delivery backlog fast, before the gateway starts:
 * `node --import tsx bench/backlog-setup.ts <config> <count> <bodySize>`.
 * Goes straight through the Store's own `ingest` (the operation the HTTP path
 * ends in) in large batches, so a million pending deliveries take seconds
 * rather than the minutes the HTTP path would. Prints `DONE <count> <ms>`.
 */
import { loadConfig } from '../src/gateway/config.ts';
import { generateSecret } from '../src/signing/standard-webhooks.ts';
import { openStore } from '../src/gateway/open-store.ts';
import type { NewMessage } from '../src/store/store.ts';
import { PayloadFactory } from './lib/payload.ts';
import { APP, SOURCE } from './lib/sluice.ts';

const BATCH = 5_000;
const [configFile, countText, sizeText] = process.argv.slice(2);
const count = Number(countText);
if (!configFile || !Number.isInteger(count) || count < 1) throw new Error('usage: backlog-setup.ts CONFIG COUNT BODY_SIZE');

const config = await loadConfig(configFile);
const store = await openStore(config.storageUrl);
const started = Date.now();
try {
  const appConfig = config.applications[APP];
  if (!appConfig) throw new Error(`the config has no application "${APP}"`);
  const app = await store.syncApplication(appConfig, generateSecret);
  const factory = new PayloadFactory(Number(sizeText ?? 1024));
  for (let done = 0; done < count; done += BATCH) {
    const batch: NewMessage[] = [];
    for (let i = done; i < Math.min(count, done + BATCH); i++) {
      batch.push({
        appId: app.id,
        source: SOURCE,
        eventType: 'invoice.paid',
        // No event id: the backlog needs no dedupe rows, and skipping them keeps setup fast.
        eventId: null,
        orderingKey: null,
        sequence: null,
        payload: factory.make(`backlog_${i}`).body,
        contentType: 'application/json',
        headers: {},
        channels: null,
        state: 'accepted',
        error: null,
        dedupeScope: `source:${SOURCE}`,
        dedupeUntil: null,
      });
    }
    const outcomes = await store.ingest(batch);
    const failed = outcomes.find((o) => 'error' in o);
    if (failed && 'error' in failed) throw failed.error;
  }
} finally {
  await store.close();
}
process.stdout.write(`DONE ${count} ${Date.now() - started}\n`);
