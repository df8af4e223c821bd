import { Section } from '../config/section.ts';
import type { SourceConfig } from '../config/types.ts';
import { parseDuration } from '../config/units.ts';
import { defaults } from '../config/defaults.ts';
import { parseBody } from '../ingest/parse-body.ts';
import { findProvider, providerNames } from '../providers/registry.ts';
import { runProvider } from '../providers/run.ts';
import type { HandshakeReply, InboundEvent, ProviderInstance } from '../providers/types.ts';
import { WebhookVerificationError } from './errors.ts';

/** A received webhook request, with the body exactly as it arrived. */
export interface WebhookRequest {
  /** The body bytes as received. A re-serialised body (`JSON.stringify(req.body)`) will not verify. */
  rawBody: Buffer | Uint8Array | string;
  /** Request headers; a `Headers` object or a plain record (any case). */
  headers: Headers | Record<string, string | string[] | undefined>;
  /** The full URL the provider called; required by Twilio, Square and HubSpot, which sign it. */
  url?: string;
  /** Defaults to POST. */
  method?: string;
}

/** How to verify one provider's webhooks. */
export interface VerifyOptions {
  /** Every secret (or public key) that may have signed: more than one during a rotation. */
  secrets: string | readonly string[];
  /** How far a signed timestamp may be from now: milliseconds, or a duration such as `'5m'`. */
  tolerance?: number | string;
  /** The provider's own keys, as in the gateway's config (`header`, `allowSha1`, `username`, …). */
  options?: Record<string, unknown>;
}

/** One event of a verified webhook. */
export interface WebhookEvent {
  /** The provider's event id: store it to drop the provider's retries. */
  id: string | undefined;
  type: string | undefined;
  /** When the event happened, per the provider. */
  time: Date | undefined;
  /** The resource the event is about (for per-resource ordering). */
  orderingKey: string | undefined;
  /** The parsed body (JSON or form), or `undefined` for other content types. */
  payload: unknown;
  rawBody: Buffer;
}

/**
 * A verified webhook: the first (usually only) event's fields, every event of
 * a batch body (HubSpot, SendGrid) in `events`, or a `handshake` to send back
 * as it is (Slack's challenge, Discord's PING, Twitch's verification, …).
 */
export interface VerifiedWebhook extends WebhookEvent {
  provider: string;
  events: WebhookEvent[];
  handshake: HandshakeReply | undefined;
}

/** A verifier compiled once for one provider and its secrets. */
export interface Verifier {
  readonly provider: string;
  /** Whether the provider signs the URL, so `url` must be given. */
  readonly signsUrl: boolean;
  verify(request: WebhookRequest, now?: number): VerifiedWebhook;
}

/**
 * Compiles a verifier for one provider; reuse it for every request. Throws
 * `WebhookVerificationError` (`unknown_provider`, `invalid_options`) when the
 * setup is wrong.
 *
 * @example
 * ```ts
 * import { createVerifier } from 'sluice/verify';
 * const github = createVerifier('github', { secrets: [process.env.GITHUB_WEBHOOK_SECRET!] });
 * const hook = github.verify({ rawBody, headers: req.headers });
 * console.log(hook.id, hook.type); // "72d3162e-…", "issues.opened"
 * ```
 */
export function createVerifier(provider: string, options: VerifyOptions): Verifier {
  const definition = findProvider(provider);
  if (!definition) {
    throw new WebhookVerificationError('unknown_provider', `unknown provider "${provider}" (known: ${providerNames().join(', ')})`);
  }
  const secrets = typeof options.secrets === 'string' ? [options.secrets] : [...options.secrets];
  const problems: string[] = [];
  const section = new Section({ ...options.options, secrets }, provider, problems);
  section.onlyKeys([...definition.keys, 'secrets']);
  if (definition.needsSecret && secrets.length === 0) problems.push(`${provider}: needs at least one secret`);
  const parsed = definition.parseOptions(section);
  const toleranceMs = toleranceOf(options.tolerance, definition.defaultToleranceMs, problems);
  if (problems.length > 0 || parsed === undefined) {
    throw new WebhookVerificationError('invalid_options', `invalid options for ${provider}: ${problems.join('; ') || 'rejected'}`);
  }
  const source: SourceConfig = {
    name: provider,
    provider,
    application: '',
    secrets,
    maxBodySize: Number.MAX_SAFE_INTEGER,
    toleranceMs,
    publicUrl: undefined,
    extract: {},
    options: parsed,
  };
  const instance: ProviderInstance = definition.create(source, parsed);
  const signsUrl = definition.signsUrl ?? false;
  return {
    provider,
    signsUrl,
    verify(request, now = Date.now()) {
      if (signsUrl && !request.url) throw new WebhookVerificationError('missing_url', `${provider} signs the URL it called: pass url`);
      const rawBody = toBuffer(request.rawBody);
      const headers = lowerCaseHeaders(request.headers);
      const contentType = headers['content-type'];
      const parsedBody = parseBody(rawBody, Array.isArray(contentType) ? contentType[0] : contentType);
      const body = parsedBody.ok ? parsedBody.value : undefined;
      const req = { rawBody, headers, method: (request.method ?? 'POST').toUpperCase(), url: request.url ?? 'http://localhost/' };
      const outcome = runProvider(instance, req, body, now);
      if (outcome.kind === 'rejected') throw new WebhookVerificationError('signature_invalid', outcome.reason);
      const events = outcome.kind === 'events' ? outcome.events.map((e) => toEvent(e, rawBody, body)) : [];
      const head = events[0] ?? toEvent({}, rawBody, body);
      return { ...head, provider, events, handshake: outcome.kind === 'reply' ? outcome.reply : undefined };
    },
  };
}

/**
 * Verifies one webhook and returns its event, or throws
 * `WebhookVerificationError` saying why not (`err.code === 'signature_invalid'`
 * → answer 401). For many requests, `createVerifier` once is cheaper.
 *
 * @example
 * ```ts
 * import { verifyWebhook } from 'sluice/verify';
 * const hook = verifyWebhook('stripe', { rawBody, headers }, { secrets: ['whsec_…'], tolerance: '5m' });
 * if (hook.handshake) return reply(hook.handshake);
 * console.log(hook.id, hook.type, hook.time); // evt_…, invoice.paid, 2024-…
 * ```
 */
export function verifyWebhook(provider: string, request: WebhookRequest, options: VerifyOptions): VerifiedWebhook {
  return createVerifier(provider, options).verify(request);
}

function toEvent(event: InboundEvent, rawBody: Buffer, body: unknown): WebhookEvent {
  return {
    id: event.eventId,
    type: event.eventType,
    time: event.occurredAt === undefined ? undefined : new Date(event.occurredAt),
    orderingKey: event.orderingKey,
    payload: event.body !== undefined ? event.body : body,
    rawBody: event.payload ?? rawBody,
  };
}

function toleranceOf(value: number | string | undefined, providerDefault: number | undefined, problems: string[]): number {
  if (value === undefined) return providerDefault ?? defaults.signatureToleranceMs;
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    problems.push(`tolerance: must be milliseconds or a duration such as 5m (got ${JSON.stringify(value)})`);
    return 0;
  }
  return ms;
}

export function toBuffer(body: Buffer | Uint8Array | string): Buffer {
  if (Buffer.isBuffer(body)) return body;
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

export function lowerCaseHeaders(headers: WebhookRequest['headers']): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  if (typeof (headers as Headers).forEach === 'function' && typeof (headers as Headers).get === 'function') {
    (headers as Headers).forEach((value, key) => {
      out[key.toLowerCase()] = value;
    });
    return out;
  }
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) out[key.toLowerCase()] = value;
  return out;
}
