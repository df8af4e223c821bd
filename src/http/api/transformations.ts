import type { FastifyInstance } from 'fastify';
import { defaults } from '../../config/defaults.ts';
import type { Transformation } from '../../store/records.ts';
import { originOf, Transformer } from '../../transform/transformer.ts';
import { transformInput } from '../../transform/webhook.ts';
import { notFound } from './errors.ts';
import type { ResourceDeps } from './resource-deps.ts';
import { endpointOf as findEndpoint, endpointParams, type EndpointParams as EpParams, idParam, pathParams } from './params.ts';

type SourceParams = { source_name: string };
interface TransformationPatch {
  code?: string | null;
  enabled?: boolean;
}
interface TestBody {
  code?: string;
  payload: unknown;
  eventType?: string | null;
  headers?: Record<string, string>;
  url?: string;
}

const code = { type: ['string', 'null'], minLength: 1, maxLength: defaults.transformMaxCodeBytes } as const;
export const transformationPatchIn = {
  type: 'object',
  properties: { code, enabled: { type: 'boolean' } },
  additionalProperties: false,
} as const;
export const transformationTestIn = {
  type: 'object',
  properties: {
    code: { type: 'string', minLength: 1, maxLength: defaults.transformMaxCodeBytes },
    payload: {},
    eventType: { type: ['string', 'null'], maxLength: 256 },
    headers: { type: 'object', additionalProperties: { type: 'string', maxLength: 4096 }, maxProperties: 64 },
    url: { type: 'string', minLength: 1, maxLength: 65_536 },
  },
  required: ['payload'],
  additionalProperties: false,
} as const;
const sourceParams = pathParams({ source_name: idParam });

function view(t: Transformation | null, updatedAt: number | null): Record<string, unknown> {
  return {
    code: t?.code ?? null,
    enabled: t?.enabled ?? false,
    ...(updatedAt !== null ? { updatedAt: new Date(updatedAt).toISOString() } : {}),
  };
}

/** What a PATCH makes of the current transformation: `code: null` removes it; `enabled` alone toggles it. */
function patched(current: Transformation | null, body: TransformationPatch): Transformation | null {
  if (body.code === null) return null;
  const next = body.code ?? current?.code;
  if (next === undefined) return null;
  return { code: next, enabled: body.enabled ?? (body.code !== undefined ? true : (current?.enabled ?? true)) };
}

/**
 * Transformations over the API (Svix's `/endpoint/{id}/transformation` with
 * `{code, enabled}`), the same for sources by name, and `…/transformation/test`,
 * which runs code (the given, else the stored) on a sample with the real
 * limits and rules, for the console's and the portal's editors. A test always
 * answers 200 with `{ok, …}` when the request was well-formed: a failing
 * transformation is the answer, not an error of the request.
 */
export async function transformationRoutes(app: FastifyInstance, deps: ResourceDeps): Promise<void> {
  const { store, config } = deps;
  const transformer = new Transformer(config.transformations);
  const endpointOf = (p: EpParams) => findEndpoint(store, p);
  const sourceOf = (name: string) => {
    const source = config.sources[name];
    if (!source) throw notFound(`source "${name}"`);
    return source;
  };

  app.get<{ Params: EpParams }>(
    '/app/:app_id/endpoint/:endpoint_id/transformation',
    { schema: { params: endpointParams } },
    async (req) => {
      const { endpoint } = await endpointOf(req.params);
      return view(endpoint.transformation, endpoint.updatedAt);
    },
  );

  app.patch<{ Params: EpParams; Body: TransformationPatch }>(
    '/app/:app_id/endpoint/:endpoint_id/transformation',
    {
      schema: { params: endpointParams, body: transformationPatchIn },
    },
    async (req, reply) => {
      const { appId, endpoint } = await endpointOf(req.params);
      await store.setEndpointTransformation(appId, endpoint.id, patched(endpoint.transformation, req.body), Date.now());
      return reply.code(204).send();
    },
  );

  app.post<{ Params: EpParams; Body: TestBody }>(
    '/app/:app_id/endpoint/:endpoint_id/transformation/test',
    {
      schema: { params: endpointParams, body: transformationTestIn },
    },
    async (req) => {
      const { endpoint } = await endpointOf(req.params);
      const run = req.body.code ?? endpoint.transformation?.code;
      if (run === undefined) throw notFound('a transformation on this endpoint (send `code` to test one)');
      const headers = { ...endpoint.headers, ...(req.body.headers ?? {}) };
      return transformer.test({ code: run }, sample('POST', endpoint.url, headers, req.body), originOf(endpoint.url));
    },
  );

  app.get<{ Params: SourceParams }>('/source/:source_name/transformation', { schema: { params: sourceParams } }, async (req) => {
    const source = sourceOf(req.params.source_name);
    const stored = await store.getSourceTransformation(source.name);
    return {
      ...view(stored ?? source.transformation ?? null, stored?.updatedAt ?? null),
      origin: stored ? 'api' : source.transformation ? 'config' : null,
    };
  });

  app.patch<{ Params: SourceParams; Body: TransformationPatch }>(
    '/source/:source_name/transformation',
    {
      schema: { params: sourceParams, body: transformationPatchIn },
    },
    async (req, reply) => {
      const source = sourceOf(req.params.source_name);
      const current = (await store.getSourceTransformation(source.name)) ?? source.transformation ?? null;
      const next = patched(current, req.body);
      // Removing the API's one falls back to the YAML's, if any.
      await store.setSourceTransformation(source.name, next, Date.now());
      return reply.code(204).send();
    },
  );

  app.post<{ Params: SourceParams; Body: TestBody }>(
    '/source/:source_name/transformation/test',
    {
      schema: { params: sourceParams, body: transformationTestIn },
    },
    async (req) => {
      const source = sourceOf(req.params.source_name);
      const run = req.body.code ?? (await store.getSourceTransformation(source.name))?.code ?? source.transformation?.code;
      if (run === undefined) throw notFound('a transformation on this source (send `code` to test one)');
      const url = req.body.url ?? source.publicUrl ?? `http://${config.server.host}:${config.server.port}/in/${source.name}`;
      return transformer.test({ code: run }, sample('POST', url, req.body.headers ?? {}, req.body), null);
    },
  );
}

function sample(method: string, url: string, headers: Record<string, string>, body: TestBody) {
  const bytes = Buffer.from(typeof body.payload === 'string' ? body.payload : JSON.stringify(body.payload ?? null));
  return transformInput(
    method,
    url,
    Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    bytes,
    body.eventType ?? null,
  );
}
