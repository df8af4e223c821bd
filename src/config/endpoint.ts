import type { ConfigChecks } from './checks.ts';
import { defaults } from './defaults.ts';
import { headerProblem, MAX_HEADERS } from './endpoint-headers.ts';
import { readOrdering } from './ordering.ts';
import { readBrokerEndpoint, readTransformation } from './routing.ts';
import { Section } from './section.ts';
import type { BrokerConfig, EndpointConfig } from './types.ts';
import { redactUrl } from '../store/url.ts';

/**
 * A relay endpoint's URL is `relay://<name>`: the type lives in the URL, so
 * an endpoint declared in the YAML (`url: relay://laptop`, with `fifo` and
 * every other key) or made by `sluice listen` is stored like any other.
 */
export const RELAY_SCHEME = 'relay:';

const endpointKeys = [
  'id',
  'url',
  'secret',
  'filterTypes',
  'retry',
  'timeout',
  'concurrency',
  'headers',
  'disabled',
  'description',
  'fifo',
  'stale',
  'onDead',
  'reorderWindow',
  'filter',
  'recordSkipped',
  'providerSignature',
  'transformation',
  'type',
  'connection',
  'exchange',
  'routingKey',
  'subject',
  'stream',
  'maxLen',
] as const;
/** Names that appear in URLs (`/in/:source`) and API paths. */
export const namePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_RETRY_DELAY = 30 * 86_400_000;

/** A delay list (`retry:`); none may exceed 30 days. */
export function checkSchedule(section: Section | undefined, key: string): number[] | undefined {
  const schedule = section?.durationList(key);
  if (schedule?.some((ms) => ms > MAX_RETRY_DELAY)) section?.problem(key, 'a retry delay may be at most 30d');
  return schedule;
}

/** One endpoint of a list (an application's `endpoints`, `outbound.operationalWebhooks`). */
export function readEndpoint(
  list: Section,
  index: number,
  checks: ConfigChecks,
  brokers: Record<string, BrokerConfig> = {},
): EndpointConfig | undefined {
  const ep = Section.of(list.value[index], list.keyPath(index), list.problems);
  if (!ep) return undefined;
  ep.onlyKeys(endpointKeys);
  const uid = ep.str('id', { required: true });
  if (uid !== undefined && !namePattern.test(uid)) ep.problem('id', 'endpoint ids use letters, digits, _ . - (at most 64)');
  const broker = ep.has('type') ? readBrokerEndpoint(ep, brokers) : undefined;
  const url = broker ?? (ep.has('type') && ep.value.type !== 'http' ? undefined : ep.str('url', { required: true }));
  if (url !== undefined && broker === undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      ep.problem('url', `"${redactUrl(url)}" is not a URL`);
    }
    if (parsed && parsed.protocol !== 'http:' && parsed.protocol !== 'https:' && parsed.protocol !== RELAY_SCHEME)
      ep.problem('url', 'must be an http or https URL, or relay://NAME for a sluice listen session');
  }
  const secret = ep.str('secret');
  if (secret !== undefined && !checks.isValidSecret(secret))
    ep.problem('secret', 'must be whsec_ followed by the base64 of at least 16 bytes');
  const headers: Record<string, string> = {};
  const headerSection = ep.child('headers');
  const names = Object.keys(headerSection?.value ?? {});
  if (names.length > MAX_HEADERS) ep.problem('headers', `at most ${MAX_HEADERS} headers`);
  for (const name of names) {
    const value = headerSection?.str(name);
    const problem = headerProblem(name, value ?? null);
    if (problem) headerSection?.problem(name, problem);
    else if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const endpoint: EndpointConfig = {
    uid: uid ?? '',
    url: url ?? '',
    description: ep.str('description') ?? '',
    secret,
    filterTypes: ep.strList('filterTypes') ?? null,
    retryScheduleMs: checkSchedule(ep, 'retry') ?? null,
    timeoutMs: ep.duration('timeout', { min: 100, max: 300_000 }) ?? null,
    concurrency: ep.int('concurrency', { min: 1, max: 1000 }) ?? null,
    headers,
    disabled: ep.bool('disabled') ?? false,
    ...readOrdering(ep, checks),
  };
  if (ep.has('providerSignature')) {
    const providerSignature = ep.oneOf('providerSignature', ['forward', 'resign', 'drop'] as const, defaults.providerSignature);
    if (providerSignature !== undefined) endpoint.providerSignature = providerSignature;
  }
  const transformation = readTransformation(ep);
  if (transformation !== undefined) endpoint.transformation = transformation;
  return uid === undefined || url === undefined ? undefined : endpoint;
}
