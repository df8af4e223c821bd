import type Stripe from 'stripe';
import type { ReconcileConfig } from '../config/reconcile.ts';
import type { ListedEvent, ProviderLister } from './provider.ts';
import { withRetry } from './retry.ts';

type StripeReconcile = Extract<ReconcileConfig, { provider: 'stripe' }>;

/** The official client, pointed at `apiBase` when set; retries are ours (`withRetry`), page by page. */
export async function stripeClient(config: StripeReconcile): Promise<Stripe> {
  const base = config.apiBase ? new URL(config.apiBase) : undefined;
  // Loaded on first use: the client is large, and most gateways never reconcile.
  const { default: StripeClient } = await import('stripe');
  return new StripeClient(config.apiKey, {
    maxNetworkRetries: 0,
    timeout: 30_000,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'https:' ? 443 : 80),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}

/**
 * Stripe's `GET /v1/events` (`created[gte]`, `types[]`, `starting_after`):
 * each listed event is the very object a webhook would have carried.
 */
export function stripeLister(config: StripeReconcile, client?: Stripe): ProviderLister {
  return {
    async *list(since: number): AsyncIterable<ListedEvent> {
      client ??= await stripeClient(config);
      const api = client;
      let after: string | undefined;
      for (;;) {
        const page = await withRetry(() =>
          api.events.list({
            created: { gte: Math.floor(since / 1000) },
            limit: 100,
            ...(config.types ? { types: config.types } : {}),
            ...(after ? { starting_after: after } : {}),
          }),
        );
        for (const event of page.data) {
          const body = Buffer.from(JSON.stringify(event));
          yield { id: event.id, fetch: async () => ({ body, headers: { 'content-type': 'application/json; charset=utf-8' } }) };
        }
        const last = page.data[page.data.length - 1];
        if (!page.has_more || !last) return;
        after = last.id;
      }
    },
  };
}
