/**
 * JSON Schemas of the resource routes' bodies, in Svix's field names. Routes
 * validate with them and the OpenAPI document is generated from them, so the
 * two cannot drift apart.
 */

const uid = { type: ['string', 'null'], pattern: '^[a-zA-Z0-9\\-_.]+$', minLength: 1, maxLength: 256 } as const;
const rate = { type: ['integer', 'null'], minimum: 1, maximum: 100_000 } as const;
const metadata = { type: 'object', additionalProperties: { type: 'string', maxLength: 4096 }, maxProperties: 64 } as const;
const nameList = (max: number) =>
  ({ type: ['array', 'null'], items: { type: 'string', minLength: 1, maxLength: 256 }, maxItems: max, uniqueItems: true }) as const;

export const applicationIn = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 256 },
    uid,
    rateLimit: rate,
    throttleRate: rate,
    metadata,
  },
  required: ['name'],
  additionalProperties: false,
} as const;

export const applicationPatch = { ...applicationIn, required: [] } as const;

export const secretPattern = '^(whsec_[A-Za-z0-9+/=]{24,128}|whsk_[A-Za-z0-9+/=]{40,128})$';

const endpointFields = {
  url: { type: 'string', minLength: 1, maxLength: 65_536 },
  description: { type: 'string', maxLength: 4096 },
  uid,
  version: { type: 'integer', minimum: 1, maximum: 1_000_000 },
  rateLimit: rate,
  throttleRate: rate,
  filterTypes: nameList(1000),
  /** svix 2.x's name for `filterTypes`; either may be sent (the 1.x name wins when both are). */
  eventTypes: nameList(1000),
  channels: nameList(10),
  secret: { type: ['string', 'null'], pattern: secretPattern },
  metadata,
  disabled: { type: 'boolean' },
  headers: { type: ['object', 'null'], additionalProperties: { type: 'string', maxLength: 4096 }, maxProperties: 64 },
  /** Sluice: `svix` sends svix-id/-timestamp/-signature instead of webhook-*. */
  signatureStyle: { type: 'string', enum: ['webhook', 'svix'] },
  /** Sluice: what deliveries of inbound messages do with the provider's own signature (default `resign`). */
  providerSignature: { type: 'string', enum: ['forward', 'resign', 'drop'] },
  /** Sluice: the endpoint's own retry delays, durations as in the YAML's `retry` (`["5s", "5m", "2h"]`); `null`: the global schedule. */
  retrySchedule: { type: ['array', 'null'], items: { type: 'string', minLength: 1, maxLength: 64 }, maxItems: 100 },
} as const;

export const endpointIn = { type: 'object', properties: endpointFields, required: ['url'], additionalProperties: false } as const;
export const endpointPatch = { type: 'object', properties: endpointFields, additionalProperties: false } as const;

export const headersIn = {
  type: 'object',
  properties: { headers: { type: 'object', additionalProperties: { type: 'string', maxLength: 4096 }, maxProperties: 64 } },
  required: ['headers'],
  additionalProperties: false,
} as const;

export const headersPatch = {
  type: 'object',
  properties: {
    headers: { type: 'object', additionalProperties: { type: ['string', 'null'], maxLength: 4096 }, maxProperties: 64 },
    /** svix 2.x removes headers by name here rather than with `null` values. */
    deleteHeaders: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 256 }, maxItems: 64 },
  },
  required: ['headers'],
  additionalProperties: false,
} as const;

export const secretRotateIn = {
  type: ['object', 'null'],
  properties: {
    key: { type: ['string', 'null'], pattern: secretPattern },
    gracePeriodSeconds: { type: ['integer', 'null'], minimum: 0, maximum: 30 * 86_400 },
  },
  additionalProperties: false,
} as const;

/** Svix's MessagePrecheckIn: would a message of this type (and channels) reach any endpoint? */
export const precheckIn = {
  type: 'object',
  properties: { eventType: { type: 'string', minLength: 1, maxLength: 256 }, channels: nameList(10) },
  required: ['eventType'],
  additionalProperties: false,
} as const;

export const recoverIn = {
  type: 'object',
  properties: { since: { type: 'string', format: 'date-time' }, until: { type: ['string', 'null'], format: 'date-time' } },
  required: ['since'],
  additionalProperties: false,
} as const;

export const eventTypeName = { type: 'string', pattern: '^[a-zA-Z0-9\\-_.]+$', minLength: 1, maxLength: 256 } as const;

const eventTypeFields = {
  description: { type: 'string', maxLength: 4096 },
  schemas: { type: ['object', 'null'], additionalProperties: { type: 'object' } },
  deprecated: { type: 'boolean' },
  archived: { type: 'boolean' },
  featureFlag: { type: ['string', 'null'], maxLength: 256 },
  /** svix 2.x sends a list; Sluice keeps the first as `featureFlag`. */
  featureFlags: { type: ['array', 'null'], items: { type: 'string', maxLength: 256 }, maxItems: 20 },
  groupName: { type: ['string', 'null'], maxLength: 256 },
} as const;

export const eventTypeIn = {
  type: 'object',
  properties: { name: eventTypeName, ...eventTypeFields },
  required: ['name'],
  additionalProperties: false,
} as const;
export const eventTypeUpdate = { type: 'object', properties: eventTypeFields, additionalProperties: false } as const;

export const messageIn = {
  type: 'object',
  properties: {
    eventType: eventTypeName,
    eventId: { type: ['string', 'null'], minLength: 1, maxLength: 256 },
    payload: { type: 'object' },
    channels: nameList(10),
    tags: nameList(5),
    payloadRetentionPeriod: { type: ['integer', 'null'], minimum: 1, maximum: 365 * 5 },
    payloadRetentionHours: { type: ['integer', 'null'], minimum: 1, maximum: 24 * 365 * 5 },
    application: { ...applicationIn, type: ['object', 'null'] },
    /** Not before this time (Svix's scheduled messages). */
    deliverAt: { type: ['string', 'null'], format: 'date-time' },
    /** Parameters of Svix's transformations; Sluice has none to pass them to, so they are accepted and not used. */
    transformationsParams: { type: ['object', 'null'] },
    // Sluice extensions: the resource the event is about, and its order among that resource's events (FIFO endpoints).
    orderingKey: { type: ['string', 'null'], minLength: 1, maxLength: 256 },
    sequence: { type: ['integer', 'null'], minimum: 0 },
  },
  required: ['eventType', 'payload'],
  additionalProperties: false,
} as const;

export const sendExampleIn = {
  type: 'object',
  properties: { eventType: eventTypeName, exampleIndex: { type: 'integer', minimum: 0, maximum: 100 } },
  required: ['eventType'],
  additionalProperties: false,
} as const;

export const portalAccessIn = {
  type: ['object', 'null'],
  properties: {
    expiry: { type: ['integer', 'null'], minimum: 60, maximum: 7 * 86_400 },
    readOnly: { type: ['boolean', 'null'] },
    featureFlags: { type: 'array', items: { type: 'string' } },
    sessionId: { type: ['string', 'null'] },
    application: { ...applicationIn, type: ['object', 'null'] },
    capabilities: { type: ['array', 'null'], items: { type: 'string' } },
  },
  additionalProperties: false,
} as const;

/** Svix sends `throttleRate`; older clients `rateLimit`. */
export function rateOf(body: { throttleRate?: number | null; rateLimit?: number | null }, fallback: number | null): number | null {
  if (body.throttleRate !== undefined) return body.throttleRate;
  if (body.rateLimit !== undefined) return body.rateLimit;
  return fallback;
}
