import { Section } from '../../config/section.ts';
import { checkSchedule } from '../../config/endpoint.ts';
import { apiError } from '../../error-catalogue.ts';
import { brokerTypeOf } from '../../delivery/brokers/target.ts';
import { headerProblem, MAX_HEADERS } from '../../delivery/endpoint-headers.ts';
import type { AddressGuard } from '../../delivery/ssrf.ts';
import { generateSecret } from '../../signing/standard-webhooks.ts';
import type { EndpointInput } from '../../store/management.ts';
import type { Endpoint, ProviderSignature, SignatureStyle } from '../../store/records.ts';
import { validation } from './errors.ts';
import { rateOf } from './body-schemas.ts';

export interface EndpointBody {
  url?: string;
  description?: string;
  uid?: string | null;
  version?: number;
  rateLimit?: number | null;
  throttleRate?: number | null;
  filterTypes?: string[] | null;
  /** svix 2.x's name for `filterTypes`. */
  eventTypes?: string[] | null;
  channels?: string[] | null;
  secret?: string | null;
  metadata?: Record<string, string>;
  disabled?: boolean;
  headers?: Record<string, string> | null;
  signatureStyle?: SignatureStyle;
  providerSignature?: ProviderSignature;
  /** Sluice: the endpoint's own retry delays as durations (`["5s", "5m", "2h"]`, the YAML's `retry`); `null`: the global schedule. */
  retrySchedule?: string[] | null;
}

/** An API `retrySchedule` in ms, or 422 in the YAML's words (each a duration such as 5s, 5m or 2h, at most 30d). */
export function retryScheduleOf(given: string[] | null): number[] | null {
  if (given === null) return null;
  const problems: string[] = [];
  const schedule = checkSchedule(new Section({ retrySchedule: given }, 'body', problems), 'retrySchedule');
  if (problems[0] !== undefined) throw apiError('validation', problems[0]);
  return schedule ?? null;
}

/** Lower-cased custom headers, or 422 naming the bad one (the same rule as the YAML's). */
export function checkHeaders(headers: Record<string, string | null>, field = 'body.headers'): Record<string, string | null> {
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS) throw validation(field, `at most ${MAX_HEADERS} headers`);
  const out: Record<string, string | null> = {};
  for (const [name, value] of entries) {
    const problem = headerProblem(name, value);
    if (problem) throw validation(`${field}.${name}`, problem);
    out[name.toLowerCase()] = value;
  }
  return out;
}

function closedToApi(): string {
  return 'broker endpoints are made in the YAML, or through the API where the operator allows it (brokers.NAME.allowApplications)';
}

/**
 * The endpoint a create, PUT or PATCH asks for: `current` is what exists (a
 * PATCH keeps every field it does not name; a PUT passes `null` for the fields
 * it resets). The URL is refused with 422 when it is a blocked literal address,
 * or a broker the operator has not opened to this application (`brokerAccess`).
 */
export function endpointInput(
  current: Endpoint | null,
  body: EndpointBody,
  guard: AddressGuard,
  keepSecrets: boolean,
  brokerAccess: (url: string) => string | null = closedToApi,
): EndpointInput {
  const url = body.url ?? current?.url;
  if (url === undefined) throw validation('body.url', 'is required');
  // A broker URL is judged by the operator's opt-in, not the SSRF guard; one already stored (the YAML's) may keep it.
  const refused = brokerTypeOf(url) ? (url === current?.url ? null : brokerAccess(url)) : guard.urlRefusal(url);
  if (refused) throw validation('body.url', refused);
  const filterTypes = body.filterTypes !== undefined ? body.filterTypes : body.eventTypes;
  let secrets = current && keepSecrets ? current.secrets : [{ secret: generateSecret(), expiresAt: null }];
  if (body.secret) secrets = [{ secret: body.secret, expiresAt: null }];
  return {
    uid: body.uid !== undefined ? body.uid : (current?.uid ?? null),
    url,
    description: body.description ?? current?.description ?? '',
    secrets,
    filterTypes: filterTypes !== undefined ? (filterTypes?.length ? filterTypes : null) : (current?.filterTypes ?? null),
    channels: body.channels !== undefined ? (body.channels?.length ? body.channels : null) : (current?.channels ?? null),
    throttleRate: rateOf(body, current?.throttleRate ?? null),
    metadata: body.metadata ?? current?.metadata ?? {},
    version: body.version ?? current?.version ?? 1,
    headers:
      body.headers != null ? (checkHeaders(body.headers) as Record<string, string>) : body.headers === null ? {} : (current?.headers ?? {}),
    disabled: body.disabled ?? current?.disabled ?? false,
    signatureStyle: body.signatureStyle ?? current?.signatureStyle ?? 'webhook',
    ...(body.providerSignature ? { providerSignature: body.providerSignature } : {}),
    ...(body.retrySchedule !== undefined ? { retryScheduleMs: retryScheduleOf(body.retrySchedule) } : {}),
  };
}
