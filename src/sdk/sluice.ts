import { defaults } from '../config/defaults.ts';
import { parseBody } from '../ingest/parse-body.ts';
import { verifySignature } from '../signing/standard-webhooks.ts';
import { WebhookVerificationError } from './errors.ts';
import { lowerCaseHeaders, toBuffer, type WebhookRequest } from './verifier.ts';

/** A delivery from Sluice, verified. */
export interface SluiceDelivery {
  /** `webhook-id`: the message id, stable across retries — dedupe on it. */
  id: string;
  /** `webhook-timestamp` as a Date (the time of this attempt's signature). */
  timestamp: Date;
  /** The payload's `type` when it is JSON with one. */
  type: string | undefined;
  payload: unknown;
  rawBody: Buffer;
}

/**
 * Checks a delivery Sluice made to your endpoint (Standard Webhooks:
 * `webhook-id`, `webhook-timestamp`, `webhook-signature`) with the
 * endpoint's `whsec_` secret(s). Throws `WebhookVerificationError`
 * (`signature_invalid`) when it does not verify.
 *
 * @example
 * ```ts
 * import { verifySluice } from 'sluice/verify';
 * app.post('/hooks', express.raw({ type: '*\/*' }), (req, res) => {
 *   const delivery = verifySluice({ rawBody: req.body, headers: req.headers }, { secrets: ['whsec_…'] });
 *   if (alreadyHandled(delivery.id)) return res.sendStatus(200);
 *   handle(delivery.payload);
 *   res.sendStatus(204);
 * });
 * ```
 */
export function verifySluice(
  request: Pick<WebhookRequest, 'rawBody' | 'headers'>,
  options: { secrets: string | readonly string[]; toleranceMs?: number },
  now: number = Date.now(),
): SluiceDelivery {
  const rawBody = toBuffer(request.rawBody);
  const headers = lowerCaseHeaders(request.headers);
  const one = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const secrets = typeof options.secrets === 'string' ? [options.secrets] : options.secrets;
  const fields = { id: one('webhook-id'), timestamp: one('webhook-timestamp'), signature: one('webhook-signature') };
  const verdict = verifySignature(secrets, fields, rawBody, now, options.toleranceMs ?? defaults.signatureToleranceMs);
  if (!verdict.ok) throw new WebhookVerificationError('signature_invalid', verdict.reason);
  const parsed = parseBody(rawBody, one('content-type'));
  const payload = parsed.ok ? parsed.value : undefined;
  const type = (payload as { type?: unknown } | null | undefined)?.type;
  return {
    id: fields.id as string,
    timestamp: new Date(Number(fields.timestamp) * 1000),
    type: typeof type === 'string' ? type : undefined,
    payload,
    rawBody,
  };
}
