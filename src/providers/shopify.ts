import { bodyMac, mac, text } from './support.ts';
import { header, type InboundRequest, type ProviderDefinition } from './types.ts';
import { parseTime } from '../ingest/parse-body.ts';

/**
 * Shopify: `X-Shopify-Hmac-Sha256` = base64 HMAC-SHA256 of the raw body with
 * the app's client secret. Newer deliveries (and Shopify's event bridge)
 * also use the unprefixed `shopify-*` header names, so both are read.
 */
export const shopify: ProviderDefinition<Record<string, never>> = {
  name: 'shopify',
  keys: [],
  needsSecret: true,
  parseOptions: () => ({}),
  create(source) {
    return {
      verify(req) {
        return bodyMac(shopifyHeader(req, 'hmac-sha256'), 'X-Shopify-Hmac-Sha256', source.secrets, req.rawBody, {
          algorithm: 'sha256',
          encoding: 'base64',
        });
      },
      resign(payload) {
        return { 'x-shopify-hmac-sha256': mac('sha256', source.secrets[0] ?? '', payload).toString('base64') };
      },
      extract(req, body) {
        return {
          eventId: shopifyHeader(req, 'event-id') ?? shopifyHeader(req, 'webhook-id'),
          eventType: shopifyHeader(req, 'topic'),
          occurredAt: parseTime(shopifyHeader(req, 'triggered-at')),
          orderingKey: text(body, 'admin_graphql_api_id') ?? text(body, 'id'),
        };
      },
    };
  },
};

function shopifyHeader(req: InboundRequest, name: string): string | undefined {
  return header(req, `x-shopify-${name}`) ?? header(req, `shopify-${name}`);
}
