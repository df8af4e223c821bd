/**
 * `sluice/verify`: the gateway's own provider verifiers, for services that
 * receive webhooks directly. The same files check signatures inside the
 * gateway, so a provider verified here is verified there the same way.
 *
 * @example
 * ```ts
 * import { verifyWebhook, WebhookVerificationError } from 'sluice/verify';
 * const hook = verifyWebhook('stripe', { rawBody, headers }, { secrets: ['whsec_…'] });
 * ```
 */
export { createVerifier, verifyWebhook } from './verifier.ts';
export type { Verifier, VerifiedWebhook, VerifyOptions, WebhookEvent, WebhookRequest } from './verifier.ts';
export { WebhookVerificationError, type WebhookErrorCode } from './errors.ts';
export { expressWebhook, type ExpressWebhookRequest } from './express.ts';
export { fastifyWebhook } from './fastify.ts';
export { honoWebhook, type HonoLikeContext } from './hono.ts';
export { verifyRequest, webhookHandler } from './web.ts';
export { verifySluice, type SluiceDelivery } from './sluice.ts';
export type { UrlOptions } from './node-glue.ts';
export type { HandshakeReply } from '../providers/types.ts';
export { providerNames } from '../providers/registry.ts';
