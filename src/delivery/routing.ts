import { parseBody } from '../ingest/parse-body.ts';
import type { Endpoint } from '../store/records.ts';
import { matcherFor, type FilterInput } from './filter.ts';

/**
 * Whether an event type matches a filter entry: exact, or with `*` standing for
 * one dotted segment (`invoice.*.failed`); a trailing `*` stands for one or more
 * segments, so `invoice.*` matches `invoice.paid` and `invoice.payment.failed`.
 */
export function typeMatches(pattern: string, eventType: string): boolean {
  if (pattern === eventType || pattern === '*') return true;
  if (!pattern.includes('*')) return false;
  const want = pattern.split('.');
  const have = eventType.split('.');
  for (let i = 0; i < want.length; i++) {
    const part = want[i];
    if (part === '*' && i === want.length - 1) return have.length > i;
    if (i >= have.length) return false;
    if (part !== '*' && part !== have[i]) return false;
  }
  return want.length === have.length;
}

/** Whether an endpoint takes a message: its type filter and channels, if any, match. */
export function endpointMatches(
  endpoint: Pick<Endpoint, 'filterTypes' | 'channels' | 'disabled'>,
  eventType: string | null,
  channels: string[] | null,
): boolean {
  if (endpoint.disabled) return false;
  if (endpoint.filterTypes && endpoint.filterTypes.length > 0) {
    if (eventType === null) return false;
    if (!endpoint.filterTypes.some((p) => typeMatches(p, eventType))) return false;
  }
  if (endpoint.channels && endpoint.channels.length > 0) {
    if (!channels?.some((c) => endpoint.channels?.includes(c))) return false;
  }
  return true;
}

/** What the payload filter reads of a message; the body is parsed at most once, and only if a filter asks. */
export interface RoutingContent {
  payload: Buffer | null;
  contentType: string | null;
  headers: Record<string, string>;
}

/** `deliver`: create a delivery; `filtered`: the payload filter said no; `none`: type, channel or disabled. */
export type Route = 'deliver' | 'filtered' | 'none';

/**
 * Routes one message to the endpoints of its application at fan-out (ingest,
 * replay, release): the type and channel filters first, then the payload
 * filter (compiled once per document, see `filter.ts`).
 */
export function routeMessage<E extends Pick<Endpoint, 'filterTypes' | 'channels' | 'disabled' | 'filter'>>(
  endpoints: E[],
  message: { eventType: string | null; channels: string[] | null } & RoutingContent,
): Array<{ endpoint: E; route: Exclude<Route, 'none'> }> {
  let input: FilterInput | undefined;
  const out: Array<{ endpoint: E; route: Exclude<Route, 'none'> }> = [];
  for (const endpoint of endpoints) {
    if (!endpointMatches(endpoint, message.eventType, message.channels)) continue;
    if (endpoint.filter !== null) {
      input ??= { body: filterBody(message), headers: message.headers };
      if (!matcherFor(endpoint.filter)(input)) {
        out.push({ endpoint, route: 'filtered' });
        continue;
      }
    }
    out.push({ endpoint, route: 'deliver' });
  }
  return out;
}

function filterBody(message: RoutingContent): unknown {
  if (message.payload === null) return undefined;
  const parsed = parseBody(message.payload, message.contentType ?? undefined);
  return parsed.ok ? parsed.value : undefined;
}

/**
 * How long a new delivery is held back before it is due: a keyed message on a
 * FIFO endpoint waits the endpoint's `reorderWindow`, else its source's, so a
 * predecessor that arrives a little late can still go first.
 */
export function holdBackMs(
  endpoint: Pick<Endpoint, 'fifo' | 'reorderWindowMs'>,
  orderingKey: string | null,
  sourceWindowMs: number | undefined,
): number {
  if (!endpoint.fifo || orderingKey === null) return 0;
  return endpoint.reorderWindowMs ?? sourceWindowMs ?? 0;
}
