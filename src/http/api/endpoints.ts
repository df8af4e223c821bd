import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isSigningKey, publicKeyOf } from '../../delivery/signature.ts';
import { brokerEndpointRefusal } from '../../delivery/brokers/api-access.ts';
import { apiError } from '../../error-catalogue.ts';
import { generateSecret } from '../../signing/standard-webhooks.ts';
import type { Endpoint } from '../../store/records.ts';
import type { BulkJob } from '../../store/bulk-jobs.ts';
import { recoverView, startBulkJob } from './bulk-jobs.ts';
import { created, notFound } from './errors.ts';
import { checkHeaders, endpointInput, type EndpointBody } from './endpoint-input.ts';
import type { ResourceDeps } from './resource-deps.ts';
import { endpointIn, endpointPatch, headersIn, headersPatch, recoverIn, secretRotateIn, sendExampleIn } from './body-schemas.ts';
import { appOf, appParams, endpointOf, endpointParams, type EndpointParams as EpParams, listQuery } from './params.ts';
import { endpointView } from './resource-views.ts';
import { principalOf } from './auth.ts';
import { checkPortalEndpointWrite, refuseHiddenEventType } from './portal-limits.ts';
import { messageView } from './views.ts';

/** Endpoints of an application: Svix's `/app/{app_id}/endpoint` routes; ids or uids everywhere. */
export async function endpointRoutes(app: FastifyInstance, deps: ResourceDeps): Promise<void> {
  const { store, operational, config } = deps;
  // Each application has its own private-network exception (src/delivery/network-policy.ts).
  const guardOf = (appId: string) => deps.policies.guardFor(appId);
  // Broker connections the operator opened to this application (brokers.NAME.allowApplications).
  const brokerAccessOf = async (appId: string) => {
    const uid = (await store.getApplication(appId))?.uid ?? null;
    return (url: string) => brokerEndpointRefusal(url, uid, config.brokers);
  };
  const find = (params: EpParams) => endpointOf(store, params);
  const emit = (type: 'endpoint.created' | 'endpoint.updated' | 'endpoint.deleted', appId: string, e: Endpoint): Promise<void> =>
    operational.emit(type, { appId, endpointId: e.id, endpointUid: e.uid, url: e.url });

  app.get<{ Params: { app_id: string }; Querystring: { limit: number; iterator?: string } }>(
    '/app/:app_id/endpoint',
    {
      schema: { params: appParams, querystring: listQuery },
    },
    async (req) => {
      const appId = await appOf(store, req.params.app_id);
      const page = await store.listEndpointPage(appId, {
        limit: req.query.limit,
        ...(req.query.iterator ? { iterator: req.query.iterator } : {}),
      });
      return { ...page, data: page.data.map(endpointView) };
    },
  );

  app.post<{ Params: { app_id: string }; Body: EndpointBody }>(
    '/app/:app_id/endpoint',
    {
      schema: { params: appParams, body: endpointIn },
    },
    async (req, reply) => {
      const appId = await appOf(store, req.params.app_id);
      await checkPortalEndpointWrite(store, principalOf(req), appId, req.body, null);
      const endpoint = created(
        await store.createEndpoint(
          appId,
          endpointInput(null, req.body, await guardOf(appId), false, await brokerAccessOf(appId)),
          Date.now(),
        ),
      );
      await emit('endpoint.created', appId, endpoint);
      return reply.code(201).send(endpointView(endpoint));
    },
  );

  app.get<{ Params: EpParams }>('/app/:app_id/endpoint/:endpoint_id', { schema: { params: endpointParams } }, async (req) =>
    endpointView((await find(req.params)).endpoint),
  );

  const update = async (req: FastifyRequest, params: EpParams, body: EndpointBody, patch: boolean): Promise<Record<string, unknown>> => {
    const { appId, endpoint } = await find(params);
    await checkPortalEndpointWrite(store, principalOf(req), appId, body, endpoint);
    // PUT resets what it does not name (Svix's EndpointUpdate); the secret is kept either way.
    const base: Endpoint = patch
      ? endpoint
      : { ...endpoint, filterTypes: null, channels: null, throttleRate: null, description: '', metadata: {} };
    const result = await store.updateEndpoint(
      appId,
      endpoint.id,
      endpointInput(base, body, await guardOf(appId), true, await brokerAccessOf(appId)),
      Date.now(),
    );
    if (!result) throw notFound(`endpoint "${params.endpoint_id}"`);
    const updated = created(result);
    await emit('endpoint.updated', appId, updated);
    if (endpoint.disabled && !updated.disabled) deps.onQueued();
    return endpointView(updated);
  };
  app.put<{ Params: EpParams; Body: EndpointBody }>(
    '/app/:app_id/endpoint/:endpoint_id',
    {
      schema: { params: endpointParams, body: endpointIn },
    },
    async (req) => update(req, req.params, req.body, false),
  );
  app.patch<{ Params: EpParams; Body: EndpointBody }>(
    '/app/:app_id/endpoint/:endpoint_id',
    {
      schema: { params: endpointParams, body: endpointPatch },
    },
    async (req) => update(req, req.params, req.body, true),
  );

  app.delete<{ Params: EpParams }>('/app/:app_id/endpoint/:endpoint_id', { schema: { params: endpointParams } }, async (req, reply) => {
    const { appId, endpoint } = await find(req.params);
    await store.deleteEndpoint(appId, endpoint.id);
    await emit('endpoint.deleted', appId, endpoint);
    return reply.code(204).send();
  });

  app.get<{ Params: EpParams }>('/app/:app_id/endpoint/:endpoint_id/headers', { schema: { params: endpointParams } }, async (req) => ({
    headers: (await find(req.params)).endpoint.headers,
    sensitive: [],
  }));

  const setHeaders = async (params: EpParams, headers: Record<string, string | null>, merge: boolean): Promise<void> => {
    const { appId, endpoint } = await find(params);
    const next: Record<string, string> = merge ? { ...endpoint.headers } : {};
    for (const [name, value] of Object.entries(checkHeaders(headers))) {
      if (value === null) delete next[name];
      else next[name] = value;
    }
    const input = endpointInput(endpoint, {}, await guardOf(appId), true);
    created((await store.updateEndpoint(appId, endpoint.id, { ...input, headers: next }, Date.now())) ?? { conflict: 'endpoint vanished' });
  };
  app.put<{ Params: EpParams; Body: { headers: Record<string, string> } }>(
    '/app/:app_id/endpoint/:endpoint_id/headers',
    {
      schema: { params: endpointParams, body: headersIn },
    },
    async (req, reply) => {
      await setHeaders(req.params, req.body.headers, false);
      return reply.code(204).send();
    },
  );
  app.patch<{ Params: EpParams; Body: { headers: Record<string, string | null>; deleteHeaders?: string[] } }>(
    '/app/:app_id/endpoint/:endpoint_id/headers',
    {
      schema: { params: endpointParams, body: headersPatch },
    },
    async (req, reply) => {
      const removed = Object.fromEntries((req.body.deleteHeaders ?? []).map((name) => [name, null]));
      await setHeaders(req.params, { ...req.body.headers, ...removed }, true);
      return reply.code(204).send();
    },
  );

  // What a receiver verifies with: the secret itself for HMAC (whsec_), the public key (whpk_) for ed25519, as Svix answers.
  app.get<{ Params: EpParams }>('/app/:app_id/endpoint/:endpoint_id/secret', { schema: { params: endpointParams } }, async (req) => {
    const current = (await find(req.params)).endpoint.secrets[0]?.secret ?? null;
    return { key: current !== null && isSigningKey(current) ? publicKeyOf(current) : current };
  });

  // The private ed25519 key leaves only through this explicit operator route (never for portal tokens).
  app.get<{ Params: EpParams }>(
    '/app/:app_id/endpoint/:endpoint_id/secret/signing-key',
    { schema: { params: endpointParams } },
    async (req) => {
      const current = (await find(req.params)).endpoint.secrets[0]?.secret ?? null;
      if (current === null || !isSigningKey(current))
        throw apiError('not_found', 'this endpoint signs with a symmetric whsec_ secret; GET …/secret returns it');
      return { key: current, publicKey: publicKeyOf(current) };
    },
  );

  // The old secret keeps signing beside the new one for the grace period, so receivers can switch without a gap.
  app.post<{ Params: EpParams; Body: { key?: string | null; gracePeriodSeconds?: number | null } | undefined }>(
    '/app/:app_id/endpoint/:endpoint_id/secret/rotate',
    { schema: { params: endpointParams, body: secretRotateIn } },
    async (req, reply) => {
      const { appId, endpoint } = await find(req.params);
      const now = Date.now();
      const graceMs = req.body?.gracePeriodSeconds != null ? req.body.gracePeriodSeconds * 1000 : config.outbound.rotationGraceMs;
      const kept = endpoint.secrets
        .map((s) => (s.expiresAt === null ? { secret: s.secret, expiresAt: now + graceMs } : s))
        .filter((s) => (s.expiresAt as number) > now);
      const secrets = [{ secret: req.body?.key ?? generateSecret(), expiresAt: null }, ...kept];
      const input = endpointInput(endpoint, {}, await guardOf(appId), true);
      created((await store.updateEndpoint(appId, endpoint.id, { ...input, secrets }, now)) ?? { conflict: 'endpoint vanished' });
      return reply.code(204).send();
    },
  );

  app.get<{ Params: EpParams }>(
    '/app/:app_id/endpoint/:endpoint_id/stats',
    {
      schema: {
        params: endpointParams,
        querystring: { type: 'object', properties: { since: { type: 'string' }, until: { type: 'string' } } },
      },
    },
    async (req) => {
      const { appId, endpoint } = await find(req.params);
      return store.endpointStats(appId, endpoint.id);
    },
  );

  // Svix's recover is a bulk retry of the endpoint's dead deliveries in the range (docs/operations.md).
  app.post<{ Params: EpParams; Body: { since: string; until?: string | null } }>(
    '/app/:app_id/endpoint/:endpoint_id/recover',
    {
      schema: { params: endpointParams, body: recoverIn },
    },
    async (req, reply) => {
      const { appId, endpoint } = await find(req.params);
      const job = await startBulkJob(
        { store, onBulkJob: deps.onBulkJob },
        { name: 'svix:recover', applications: [appId] },
        {
          action: 'retry',
          filter: {
            app: appId,
            endpoint: endpoint.id,
            status: ['dead'],
            since: req.body.since,
            ...(req.body.until ? { until: req.body.until } : {}),
          },
        },
      );
      return reply.code(202).send(recoverView(job as BulkJob, 'endpoint.recover'));
    },
  );

  app.post<{ Params: EpParams; Body: { eventType: string; exampleIndex?: number } }>(
    '/app/:app_id/endpoint/:endpoint_id/send-example',
    {
      schema: { params: endpointParams, body: sendExampleIn },
    },
    async (req, reply) => {
      const { appId, endpoint } = await find(req.params);
      await refuseHiddenEventType(store, principalOf(req), 'body.eventType', req.body.eventType);
      const type = await store.getEventType(req.body.eventType);
      const examples = Object.values(type?.schemas ?? {}).flatMap((s) => (s as { examples?: unknown[] }).examples ?? []);
      const example = examples[req.body.exampleIndex ?? 0] ?? { type: req.body.eventType, example: true };
      const payload = Buffer.from(JSON.stringify(example));
      const id = await store.ingestForEndpoint(appId, endpoint.id, req.body.eventType, payload, Date.now());
      deps.onQueued();
      const message = await store.getMessage(appId, id);
      return reply.code(202).send(message ? messageView(message) : { id });
    },
  );
}
