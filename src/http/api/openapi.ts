import type { FastifyInstance, RouteOptions } from 'fastify';
import { VERSION } from '../../version.ts';

interface Collected {
  method: string;
  url: string;
  schema: { params?: unknown; querystring?: unknown; body?: unknown } | undefined;
}

type JsonSchema = { type?: unknown; properties?: Record<string, unknown>; required?: readonly string[] };

/**
 * Collects every route registered in this scope after the call, with the
 * schemas it validates with, and serves them as an OpenAPI 3.1 document at
 * `GET /openapi.json` (3.1 takes JSON Schema as it is). The document is built
 * from the same objects the routes validate with, so it cannot drift.
 */
export function openApi(app: FastifyInstance, prefix: string): void {
  const routes: Collected[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      routes.push({ method: method.toLowerCase(), url: route.url, schema: route.schema as Collected['schema'] });
    }
  });
  let document: unknown;
  app.get('/openapi.json', async () => (document ??= build(routes, prefix)));
}

function build(routes: Collected[], prefix: string): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    if (!path.startsWith(prefix) || path.endsWith('/openapi.json')) continue;
    const parameters: unknown[] = [];
    const params = r.schema?.params as JsonSchema | undefined;
    for (const name of [...path.matchAll(/\{([A-Za-z_]+)\}/g)].map((m) => m[1] as string)) {
      parameters.push({ name, in: 'path', required: true, schema: params?.properties?.[name] ?? { type: 'string' } });
    }
    const query = r.schema?.querystring as JsonSchema | undefined;
    for (const [name, schema] of Object.entries(query?.properties ?? {})) {
      parameters.push({ name, in: 'query', required: query?.required?.includes(name) ?? false, schema });
    }
    const op: Record<string, unknown> = {
      operationId: `${r.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      parameters,
      responses: {
        '2XX': { description: 'success' },
        '4XX': {
          description: 'the request was refused',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      security: [{ bearer: [] }],
    };
    if (r.schema?.body) op.requestBody = { required: true, content: { 'application/json': { schema: r.schema.body } } };
    paths[path] ??= {};
    paths[path][r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Sluice API', version: VERSION, description: 'Svix-compatible webhook API of Sluice (see docs/api.md).' },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: { type: 'object', properties: { code: { type: 'string' }, detail: { type: 'string' } }, required: ['code', 'detail'] },
      },
    },
  };
}
