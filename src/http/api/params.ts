import type { Endpoint } from '../../store/records.ts';
import type { Store } from '../../store/store.ts';
import { notFound } from './errors.ts';

/**
 * The route parameters the API's routes share: the path schemas of
 * `{app_id}`, `{endpoint_id}`, `{msg_id}`…, the list queries, and the
 * look-ups that turn an id or uid from the path into a record or a 404.
 */

/** An id (`app_…`, `ep_…`, `msg_…`) or a uid, as a path segment. */
export const idParam = { type: 'string', minLength: 1, maxLength: 256 } as const;

/**
 * The same without the lower bound, for the few routes that have always taken
 * an empty segment (`…/endpoint//msg`) to their look-up and its 404 rather than
 * to a 422: kept so that answer does not change.
 */
export const looseIdParam = { type: 'string', maxLength: 256 } as const;

type ParamSchema = { readonly type: string };

/** A path's parameters schema: every one named is required. */
export function pathParams<const P extends Record<string, ParamSchema>>(
  properties: P,
): { type: 'object'; properties: P; required: Array<keyof P & string> } {
  return { type: 'object', properties, required: Object.keys(properties) as Array<keyof P & string> };
}

export const appParams = pathParams({ app_id: idParam });
export const endpointParams = pathParams({ app_id: idParam, endpoint_id: idParam });
export const msgParams = pathParams({ app_id: idParam, msg_id: idParam });

export type AppParams = { app_id: string };
export type EndpointParams = { app_id: string; endpoint_id: string };
export type MsgParams = { app_id: string; msg_id: string };

/** `limit` and `iterator` of the message-side lists (their iterators are at most 128 characters). */
export const pageQuery = {
  limit: { type: 'integer', minimum: 1, maximum: 250, default: 50 },
  iterator: { type: 'string', maxLength: 128 },
} as const;

/** Svix's list query of applications, endpoints and integrations. */
export const listQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 250, default: 50 },
    iterator: { type: 'string', maxLength: 256 },
    order: { type: 'string', enum: ['ascending', 'descending'] },
  },
  additionalProperties: false,
} as const;

/** Resolves `{app_id}` (an id or a uid) or answers 404. */
export async function appOf(store: Store, idOrUid: string): Promise<string> {
  const app = await store.getApplication(idOrUid);
  if (!app) throw notFound(`application "${idOrUid}"`);
  return app.id;
}

/** Resolves `{app_id}` and `{endpoint_id}` (ids or uids), or answers 404 naming the one missing. */
export async function endpointOf(store: Store, params: EndpointParams): Promise<{ appId: string; endpoint: Endpoint }> {
  const appId = await appOf(store, params.app_id);
  const endpoint = await store.getEndpoint(appId, params.endpoint_id);
  if (!endpoint) throw notFound(`endpoint "${params.endpoint_id}"`);
  return { appId, endpoint };
}
