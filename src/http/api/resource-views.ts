import { formatDuration } from '../../config/units.ts';
import { endpointType } from '../../delivery/endpoint-type.ts';
import type { EventType } from '../../store/management.ts';
import type { Application, Endpoint } from '../../store/records.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Svix's ApplicationOut (`rateLimit` is the older name of `throttleRate`; both are sent). */
export function applicationView(a: Application): Record<string, unknown> {
  return {
    id: a.id,
    uid: a.uid,
    name: a.name,
    rateLimit: a.throttleRate,
    throttleRate: a.throttleRate,
    metadata: a.metadata,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  };
}

/** Svix's EndpointOut (`filterTypes` is 1.x's name, `eventTypes` 2.x's; both are sent), plus Sluice's `signatureStyle`, `disabledReason` and `retrySchedule`. */
export function endpointView(e: Endpoint): Record<string, unknown> {
  return {
    id: e.id,
    uid: e.uid,
    url: e.url,
    type: endpointType(e),
    description: e.description,
    version: e.version,
    rateLimit: e.throttleRate,
    throttleRate: e.throttleRate,
    disabled: e.disabled,
    disabledReason: e.disabledReason,
    filterTypes: e.filterTypes,
    eventTypes: e.filterTypes,
    channels: e.channels,
    metadata: e.metadata,
    signatureStyle: e.signatureStyle,
    providerSignature: e.providerSignature,
    retrySchedule: e.retryScheduleMs === null ? null : e.retryScheduleMs.map(formatDuration),
    createdAt: iso(e.createdAt),
    updatedAt: iso(e.updatedAt),
  };
}

export function eventTypeView(e: EventType, withContent = true): Record<string, unknown> {
  return {
    name: e.name,
    description: e.description,
    archived: e.archived,
    deprecated: e.deprecated,
    featureFlag: e.featureFlag,
    featureFlags: e.featureFlag === null ? null : [e.featureFlag],
    groupName: e.groupName,
    ...(withContent ? { schemas: e.schemas } : {}),
    createdAt: iso(e.createdAt),
    updatedAt: iso(e.updatedAt),
  };
}
