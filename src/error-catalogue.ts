import type { FastifyReply } from 'fastify';
import { HttpError } from './errors.ts';

/**
 * Every error the gateway answers, by surface: its code, its status and what
 * it means. Answers are made here only (`apiError`, `ingestAnswer`, …), so a
 * code and its status cannot disagree from one call site to the next, and
 * docs/errors.md is checked against this list by a test. The codes are part of
 * the wire: scripts match on them, so an entry is never renamed.
 */
export interface ErrorEntry {
  /** The status it is answered with; a few codes have more than one, the first being the usual. */
  readonly status: number | readonly [number, ...number[]];
  /** One line: when it happens. */
  readonly meaning: string;
}

/** The two error bodies: the API's (Svix's shape) and the one of ingest and the gateway's own paths. */
export const SURFACES = {
  api: { title: 'API', body: '{ "code", "detail" }', serves: '/api/v1 and the relay WebSocket upgrade' },
  ingest: { title: 'Ingest', body: '{ "error", "reason" }', serves: '/in/:source, /metrics and paths outside the API' },
} as const;

export type Surface = keyof typeof SURFACES;

/** `{ "code", "detail" }` under `/api/v1`. */
export const API_ERRORS = {
  validation: { status: 422, meaning: 'the body, a parameter or a header failed its schema or a rule; detail names the field' },
  invalid_json: { status: 400, meaning: 'the body claims application/json and does not parse' },
  bad_request: { status: 400, meaning: 'a query parameter is wrong (detail names it), or the framework refused the request' },
  payload_too_large: { status: 413, meaning: 'the body is larger than ingest.maxBodySize' },
  not_found: { status: 404, meaning: 'no such route, or no such application, endpoint, message, attempt, event type or source' },
  authentication_failed: { status: 401, meaning: 'no credential, or one no resolver knows (API token, app-portal token, session)' },
  forbidden: { status: 403, meaning: 'the credential is valid but its role, capabilities or applications do not allow this' },
  csrf_refused: { status: 403, meaning: 'a change made with the console session came from another origin' },
  feature_not_enabled: { status: 403, meaning: 'a Svix feature Sluice does not have (integrations)' },
  rate_limit_exceeded: { status: 429, meaning: 'too many failed authentications from the address, or past outbound.apiRateLimit' },
  conflict: { status: 409, meaning: 'the uid, name or eventId is taken, or the resource is in a state that forbids the change' },
  idempotency_key_reused: { status: 422, meaning: 'the Idempotency-Key was used before for another request' },
  idempotency_conflict: { status: 409, meaning: 'a request with this Idempotency-Key is still running' },
  unknown_event_type: { status: 422, meaning: 'the event type is not declared and the application has strictEventTypes' },
  payload_purged: { status: 410, meaning: 'the message exists but retention removed its payload' },
  link_not_found: { status: 404, meaning: 'the portal link is not known' },
  link_used: { status: 410, meaning: 'the portal link was opened once already (a link works once)' },
  link_expired: { status: 410, meaning: 'the portal link has expired' },
  relay_unavailable: { status: 409, meaning: 'this process has no worker, so it cannot hold a sluice listen session' },
  relay_refused: {
    status: [404, 409],
    meaning: 'the relay WebSocket upgrade was refused: no such relay endpoint or path (404), or no worker here (409)',
  },
  not_reconciling: { status: 409, meaning: 'the source has no reconcile: settings' },
  channel_failed: { status: 502, meaning: "an alert channel's test notification failed at the channel" },
  provider_unsupported: { status: 422, meaning: "no test event can be made for the source's provider" },
  no_secret: { status: 422, meaning: 'the source has no secret to sign a test event with' },
  unknown_event: { status: 422, meaning: "the test event named is not among the provider's" },
  internal_error: { status: 500, meaning: 'the gateway failed; the cause is in its log' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, meaning: 'a body whose content type the API does not read (send application/json)' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, meaning: 'the body is not as long as its Content-Length says' },
} as const satisfies Record<string, ErrorEntry>;

/** `{ "error", "reason" }` on `/in/:source`, `/metrics` and anything outside the API. */
export const INGEST_ERRORS = {
  signature_invalid: { status: 401, meaning: "the provider's signature is missing, wrong or too old; nothing was stored" },
  unknown_source: { status: 404, meaning: 'no source of that name is configured' },
  method_not_allowed: { status: 405, meaning: 'a source takes POST only' },
  payload_too_large: { status: 413, meaning: "the body is larger than the source's maxBodySize" },
  store_unavailable: { status: 503, meaning: 'the message could not be stored; the answer carries Retry-After' },
  not_found: { status: 404, meaning: 'no route at this path (outside /in and /api/v1)' },
  authentication_failed: { status: 401, meaning: '/metrics with metrics.token set, and no or another bearer token' },
  rate_limit_exceeded: { status: 429, meaning: '/metrics after too many failed authentications from the address' },
  bad_request: { status: 400, meaning: 'the framework refused the request (outside /in)' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, meaning: 'the body is not as long as its Content-Length says' },
  internal_error: { status: 500, meaning: 'the gateway failed; the cause is in its log' },
} as const satisfies Record<string, ErrorEntry>;

export type ApiErrorCode = keyof typeof API_ERRORS;
export type IngestErrorCode = keyof typeof INGEST_ERRORS;
/** The API codes answered with one status, which `apiError` can make. */
export type FixedApiErrorCode = { [C in ApiErrorCode]: (typeof API_ERRORS)[C]['status'] extends number ? C : never }[ApiErrorCode];

export const CATALOGUE: { readonly [S in Surface]: Readonly<Record<string, ErrorEntry>> } = { api: API_ERRORS, ingest: INGEST_ERRORS };

/** The statuses an entry may be answered with. */
export function statusesOf(entry: ErrorEntry): readonly number[] {
  return typeof entry.status === 'number' ? [entry.status] : entry.status;
}

export interface ApiErrorBody {
  code: string;
  detail: string;
}

export interface IngestErrorBody {
  error: string;
  reason: string;
}

/** An API error to throw: the error handler answers it as `{ code, detail }` with the code's status. */
export function apiError(code: FixedApiErrorCode, detail: string, options?: { cause?: unknown }): HttpError {
  return new HttpError(API_ERRORS[code].status, code, detail, options);
}

/** An API error's status and body, for answers made outside the error handler (the relay upgrade). */
export function apiAnswer(code: ApiErrorCode, detail: string, status?: number): { status: number; body: ApiErrorBody } {
  return { status: pick('api', code, status), body: { code, detail } };
}

/** An ingest (or gateway) error's status and body. */
export function ingestAnswer(code: IngestErrorCode, reason: string): { status: number; body: IngestErrorBody } {
  return { status: pick('ingest', code, undefined), body: { error: code, reason } };
}

export function sendApiError(reply: FastifyReply, code: ApiErrorCode, detail: string): FastifyReply {
  const answer = apiAnswer(code, detail);
  return reply.code(answer.status).send(answer.body);
}

export function sendIngestError(reply: FastifyReply, code: IngestErrorCode, reason: string): FastifyReply {
  const answer = ingestAnswer(code, reason);
  return reply.code(answer.status).send(answer.body);
}

/**
 * An error the framework raised itself (a bad Content-Length, an unread media
 * type) keeps its own 4xx status and its own code (`bad_request` when it has
 * none): that is what clients have always seen. The catalogue lists the codes
 * a request can reach.
 */
export function sendFrameworkError(
  reply: FastifyReply,
  surface: Surface,
  err: { statusCode: number; message: string; code?: string },
  code: string = err.code ?? 'bad_request',
): FastifyReply {
  return reply.code(err.statusCode).send(surface === 'api' ? { code, detail: err.message } : { error: code, reason: err.message });
}

function pick(surface: Surface, code: string, status: number | undefined): number {
  const entry = CATALOGUE[surface][code] as ErrorEntry;
  const allowed = statusesOf(entry);
  if (status === undefined) return allowed[0] as number;
  if (!allowed.includes(status))
    throw new Error(`error code ${code} is not answered with ${status} (the catalogue says ${allowed.join(', ')})`);
  return status;
}
