import type { Principal } from '../../auth/principal.ts';
import { apiError } from '../../error-catalogue.ts';
import type { EventType } from '../../store/management.ts';
import type { Endpoint } from '../../store/records.ts';
import type { Store } from '../../store/store.ts';
import type { EndpointBody } from './endpoint-input.ts';
import { validation } from './errors.ts';

const MAX_FEATURE_FLAGS = 100;
const MAX_FLAG_LENGTH = 256;

/** The feature flags of a portal-access request, each once; 422 past the bounds (they are stored with the grant). */
export function portalFeatureFlags(given: readonly string[] | null | undefined): string[] {
  const flags = [...new Set(given ?? [])];
  if (flags.length > MAX_FEATURE_FLAGS) throw validation('body.featureFlags', `at most ${MAX_FEATURE_FLAGS} feature flags`);
  if (flags.some((f) => f.length === 0 || f.length > MAX_FLAG_LENGTH))
    throw validation('body.featureFlags', `a feature flag has 1 to ${MAX_FLAG_LENGTH} characters`);
  return flags;
}

/**
 * Whether a principal sees an event type (Svix's feature flags): an operator
 * sees every one; a portal session those without a flag and those whose flag
 * its access was given.
 */
export function seesEventType(p: Principal, type: Pick<EventType, 'featureFlag'>): boolean {
  return p.kind !== 'portal' || type.featureFlag === null || (p.featureFlags ?? []).includes(type.featureFlag);
}

/** 422 when a portal session names an event type it cannot see (answered as for a hidden type: the same words whatever the flag). */
export async function refuseHiddenEventType(store: Store, p: Principal, field: string, name: string): Promise<void> {
  if (p.kind !== 'portal') return;
  const type = await store.getEventType(name);
  if (type && !seesEventType(p, type)) throw validation(field, `event type "${name}" is not available in this portal`);
}

/**
 * What a portal session may not put on an endpoint: an event type hidden from
 * it (422; one the endpoint already has stays, so a form that sends back what
 * it was given still saves), or its own retry schedule unless the operator
 * allows it in the application's portal settings (403). API tokens and the
 * console may do both.
 */
export async function checkPortalEndpointWrite(
  store: Store,
  p: Principal,
  appId: string,
  body: EndpointBody,
  current: Endpoint | null,
): Promise<void> {
  if (p.kind !== 'portal') return;
  if (body.retrySchedule !== undefined && !(await store.getPortalSettings(appId))?.allowRetrySchedule) {
    throw apiError(
      'forbidden',
      "body.retrySchedule: this portal may not set an endpoint's retry schedule; the operator allows it with the application's portal setting allowRetrySchedule",
    );
  }
  const [field, named] = body.filterTypes !== undefined ? ['body.filterTypes', body.filterTypes] : ['body.eventTypes', body.eventTypes];
  const kept = new Set(current?.filterTypes ?? []);
  for (const name of named ?? []) if (!kept.has(name)) await refuseHiddenEventType(store, p, field, name);
}
