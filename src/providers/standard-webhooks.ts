import { verifySignature } from '../signing/standard-webhooks.ts';
import { header, type ProviderDefinition } from './types.ts';

/** Standard Webhooks senders (and Sluice itself): `webhook-id/-timestamp/-signature`. */
export const standardWebhooks: ProviderDefinition<Record<string, never>> = {
  name: 'standard-webhooks',
  keys: [],
  needsSecret: true,
  parseOptions: () => ({}),
  create(source) {
    return {
      verify(req, nowMs) {
        return verifySignature(
          source.secrets,
          {
            id: header(req, 'webhook-id'),
            timestamp: header(req, 'webhook-timestamp'),
            signature: header(req, 'webhook-signature'),
          },
          req.rawBody,
          nowMs,
          source.toleranceMs,
        );
      },
      extract(req, body) {
        const timestamp = Number(header(req, 'webhook-timestamp'));
        const type = (body as { type?: unknown } | null)?.type;
        return {
          eventId: header(req, 'webhook-id'),
          eventType: typeof type === 'string' ? type : undefined,
          occurredAt: Number.isFinite(timestamp) ? timestamp * 1000 : undefined,
        };
      },
    };
  },
};
