/** Why a webhook was not accepted. */
export type WebhookErrorCode =
  /** The provider name is not one Sluice knows. */
  | 'unknown_provider'
  /** The options given for the provider are wrong (a missing key, a malformed secret). */
  | 'invalid_options'
  /** The provider signs the URL it called and no `url` (or `publicUrl`) was given. */
  | 'missing_url'
  /** The raw body is gone: a body parser ran before the verifier. */
  | 'raw_body_unavailable'
  /** The signature, token or timestamp is wrong: answer 401. */
  | 'signature_invalid';

/**
 * The one error the verifiers throw. `code` says why; `status` is what to
 * answer the sender (401 for a bad signature, 500 for a setup mistake).
 *
 * @example
 * ```ts
 * try {
 *   verifyWebhook('stripe', { rawBody, headers }, { secrets: [process.env.STRIPE_SECRET!] });
 * } catch (err) {
 *   if (err instanceof WebhookVerificationError && err.code === 'signature_invalid') return res.status(401).end();
 *   throw err;
 * }
 * ```
 */
export class WebhookVerificationError extends Error {
  readonly code: WebhookErrorCode;
  readonly status: number;

  constructor(code: WebhookErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookVerificationError';
    this.code = code;
    this.status = code === 'signature_invalid' ? 401 : 500;
  }
}
