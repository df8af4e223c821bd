import type { SourceConfig } from '../config/types.ts';
import { isBrokerSource } from '../sources/provider.ts';

/**
 * Providers whose signature covers a timestamp that verification holds to
 * `tolerance`: a captured request replays only within it, where the dedupe
 * window catches it (the config refuses a window shorter than the tolerance).
 */
const TIMESTAMPED = new Set([
  'discord',
  'hubspot',
  'linear',
  'mailgun',
  'paddle',
  'sendgrid',
  'slack',
  'standard-webhooks',
  'svix',
  'clerk',
  'resend',
  'stripe',
  'twitch',
  'zoom',
]);
/** Providers whose default event id is read from a header their signature does not cover. */
const UNSIGNED_ID_HEADER = new Set(['github', 'gitlab', 'shopify', 'woocommerce', 'linear', 'pagerduty', 'twilio']);
/** Headers a provider's signature does cover (so an idempotency key read there cannot be changed). */
const SIGNED_HEADERS: Record<string, readonly string[]> = {
  'standard-webhooks': ['webhook-id', 'webhook-timestamp'],
  svix: ['svix-id', 'svix-timestamp'],
  clerk: ['svix-id', 'svix-timestamp'],
  resend: ['svix-id', 'svix-timestamp'],
  twitch: ['twitch-eventsub-message-id', 'twitch-eventsub-message-timestamp'],
};
/** Providers that check a shared credential only: nothing about a request is signed. */
const CREDENTIAL_ONLY = new Set(['basic', 'token']);

export interface ReplayRisk {
  /** The config key to change. */
  key: string;
  problem: string;
}

/**
 * How a captured request of this source could be replayed and stored again
 * as a new message: pure, from the config alone, so start-up can warn about
 * it naming the key.
 */
export function replayRisk(source: SourceConfig): ReplayRisk | null {
  // A broker source takes no requests: what it consumes is the broker's, over the operator's authenticated connection.
  if (isBrokerSource(source)) return null;
  const options = (source.options ?? {}) as { timestampHeader?: string | undefined };
  const key = `sources.${source.name}`;
  const timestamped = TIMESTAMPED.has(source.provider) || (source.provider === 'hmac' && options.timestampHeader !== undefined);
  const path = source.extract.idempotencyKey;
  const signedHeaders = SIGNED_HEADERS[source.provider] ?? [];
  const unsignedId = path
    ? path.from === 'header' && !signedHeaders.includes(path.name.toLowerCase())
    : UNSIGNED_ID_HEADER.has(source.provider) || CREDENTIAL_ONLY.has(source.provider);
  const noId = !path && !UNSIGNED_ID_HEADER.has(source.provider) && !timestamped;
  if (CREDENTIAL_ONLY.has(source.provider)) {
    return {
      key,
      problem: `provider ${source.provider} checks a credential only: a captured request can be replayed for ever; prefer a signing provider`,
    };
  }
  if (!timestamped && (unsignedId || noId)) {
    const why = unsignedId ? 'its idempotency key comes from a header the signature does not cover' : 'it has no idempotency key';
    return {
      key: path ? `${key}.idempotencyKey` : key,
      problem: `the signature has no timestamp and ${why}: a captured request can be replayed for ever as a new message; set idempotencyKey to a signed body field (body:$.id)${source.provider === 'hmac' ? ' or timestampHeader' : ''}`,
    };
  }
  if (timestamped && unsignedId) {
    return {
      key: path ? `${key}.idempotencyKey` : key,
      problem:
        'the idempotency key comes from a header the signature does not cover: within the tolerance a captured request can be replayed with a new key; set idempotencyKey to a signed body field',
    };
  }
  return null;
}
