import { parseTime } from '../ingest/parse-body.ts';
import { bodyMac, jsonReply, text } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

/**
 * WooCommerce: `X-WC-Webhook-Signature` = base64 HMAC-SHA256 of the raw
 * body with the webhook's secret. When a webhook is saved, WooCommerce
 * pings the URL with an unsigned form body `webhook_id=N` and disables the
 * webhook unless it gets a 2xx.
 */
export const woocommerce: ProviderDefinition<Record<string, never>> = {
  name: 'woocommerce',
  keys: [],
  needsSecret: true,
  parseOptions: () => ({}),
  create(source) {
    return {
      unsignedHandshake(req) {
        if (header(req, 'x-wc-webhook-signature') !== undefined) return undefined;
        return /^webhook_id=\d+$/.test(req.rawBody.toString('utf8').trim()) ? jsonReply(200, { ok: true }) : undefined;
      },
      verify(req) {
        return bodyMac(header(req, 'x-wc-webhook-signature'), 'X-WC-Webhook-Signature', source.secrets, req.rawBody, {
          algorithm: 'sha256',
          encoding: 'base64',
        });
      },
      extract(req, body) {
        const resource = header(req, 'x-wc-webhook-resource');
        const id = text(body, 'id');
        const modified = text(body, 'date_modified_gmt');
        return {
          eventId: header(req, 'x-wc-webhook-delivery-id'),
          eventType: header(req, 'x-wc-webhook-topic'),
          // WooCommerce writes GMT times without a zone designator.
          occurredAt: modified ? parseTime(/[zZ]|[+-]\d\d:?\d\d$/.test(modified) ? modified : `${modified}Z`) : undefined,
          orderingKey: resource && id ? `${resource}:${id}` : id,
        };
      },
    };
  },
};
