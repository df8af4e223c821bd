import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { endpointType, RELAY_KEEP_KEY, relayUrl } from '../../delivery/endpoint-type.ts';
import { apiAnswer, apiError } from '../../error-catalogue.ts';
import type { Logger } from '../../observability/logger.ts';
import type { RelayHub } from '../../relay/hub.ts';
import { authenticate, hasCredential, type Resolver } from '../../auth/authenticate.ts';
import { mayTouchApplication, routeRefusal } from '../../auth/authorize.ts';
import { FailureLimiter } from '../../auth/failure-limiter.ts';
import { classifyRoute } from '../../auth/route-access.ts';
import { generateSecret } from '../../signing/standard-webhooks.ts';
import type { Endpoint } from '../../store/records.ts';
import type { Store } from '../../store/store.ts';
import { appOf, idParam, pathParams } from './params.ts';
import { created } from './errors.ts';
import { checkHeaders } from './endpoint-input.ts';
import { endpointView } from './resource-views.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const CONNECT = /^\/api\/v1\/app\/([^/?]+)\/relay\/([^/?]+)\/connect(?:\?.*)?$/;

interface RelayBody {
  filterTypes?: string[] | null;
  headers?: Record<string, string>;
  keepMs?: number;
  description?: string;
}

/**
 * `PUT /api/v1/app/{app}/relay/{name}`: the relay endpoint of a `sluice listen`
 * session, created on first use and reused after (its secret, its queue of
 * waiting deliveries and its log stay). An endpoint declared in the YAML with
 * `url: relay://NAME` is the same thing, with FIFO and the rest of its keys.
 */
export async function relayRoutes(app: FastifyInstance, opts: { store: Store; hub: RelayHub | undefined }): Promise<void> {
  const { store } = opts;
  app.put<{ Params: { app_id: string; name: string }; Body: RelayBody | null }>(
    '/app/:app_id/relay/:name',
    {
      schema: {
        params: pathParams({ app_id: idParam, name: { type: 'string', pattern: NAME.source } }),
        body: {
          type: ['object', 'null'],
          properties: {
            filterTypes: { type: ['array', 'null'], items: { type: 'string', minLength: 1, maxLength: 256 }, maxItems: 100 },
            headers: { type: 'object', additionalProperties: { type: 'string', maxLength: 4096 }, maxProperties: 50 },
            keepMs: { type: 'integer', minimum: 60_000, maximum: 30 * 86_400_000 },
            description: { type: 'string', maxLength: 1024 },
          },
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      if (!opts.hub)
        throw apiError(
          'relay_unavailable',
          'this process does not deliver (its role has no worker): connect sluice listen to a process of role all',
        );
      const appId = await appOf(store, req.params.app_id);
      const body = req.body ?? {};
      const existing = await store.getEndpoint(appId, req.params.name);
      if (existing && endpointType(existing) !== 'relay') {
        throw apiError('conflict', `endpoint "${req.params.name}" exists and is not a relay endpoint (its URL is ${existing.url})`);
      }
      const metadata = { ...(existing?.metadata ?? {}), ...(body.keepMs !== undefined ? { [RELAY_KEEP_KEY]: String(body.keepMs) } : {}) };
      const base = existing ?? null;
      const input = {
        uid: req.params.name,
        url: relayUrl(req.params.name),
        description: body.description ?? base?.description ?? `sluice listen ${req.params.name}`,
        secrets: base?.secrets ?? [{ secret: generateSecret(), expiresAt: null }],
        filterTypes: body.filterTypes !== undefined ? body.filterTypes : (base?.filterTypes ?? null),
        channels: base?.channels ?? null,
        throttleRate: base?.throttleRate ?? null,
        metadata,
        version: base?.version ?? 1,
        // The endpoints' one header rule: a relay endpoint is an endpoint, and its headers reach a local handler.
        headers: body.headers !== undefined ? (checkHeaders(body.headers) as Record<string, string>) : (base?.headers ?? {}),
        // A listener coming back is the moment to send again.
        disabled: false,
        signatureStyle: base?.signatureStyle ?? ('webhook' as const),
      };
      let endpoint: Endpoint;
      if (existing) {
        const result = await store.updateEndpoint(appId, existing.id, input, Date.now());
        if (!result) throw apiError('not_found', `endpoint "${req.params.name}" was deleted meanwhile`);
        endpoint = created(result);
      } else {
        endpoint = created(await store.createEndpoint(appId, input, Date.now()));
      }
      return reply
        .code(existing ? 200 : 201)
        .send({ ...endpointView(endpoint), secret: endpoint.secrets[0]?.secret, connected: opts.hub.connected(endpoint.id) });
    },
  );
}

/**
 * The relay WebSocket, `GET /api/v1/app/{app}/relay/{name}/connect` with an
 * API token: upgrades on the HTTP server, outside Fastify's routing (Fastify
 * answers no upgrades of its own). Other upgrade paths are refused. The token
 * is judged as the API judges it (the same resolvers), with the access of
 * `PUT …/relay/{name}`: whoever may make the relay endpoint may take its
 * deliveries, which leaves viewers out, and a token limited to some
 * applications only reaches theirs. Failed attempts count per address as on
 * the API.
 */
export function relayUpgrades(
  server: { on(event: 'upgrade', fn: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): unknown },
  opts: {
    store: Store;
    hub: RelayHub | undefined;
    /** Bearer API tokens only: portal tokens never reach relays, and a cookie would let another site's page open one. */
    resolvers: Resolver[];
    failuresPerMinute: number;
    log: Logger;
  },
): void {
  const access = classifyRoute('PUT', '/api/v1/app/:app_id/relay/:name');
  const failures = new FailureLimiter(opts.failuresPerMinute);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const refuse = (socket: Duplex, status: 401 | 403 | 404 | 409 | 429, reason: string): void => {
    const code =
      status === 401 ? 'authentication_failed' : status === 403 ? 'forbidden' : status === 429 ? 'rate_limit_exceeded' : 'relay_refused';
    const text = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests' }[status];
    const answer = apiAnswer(code, reason, status);
    const body = JSON.stringify(answer.body);
    socket.end(
      `HTTP/1.1 ${answer.status} ${text}\r\ncontent-type: application/json\r\ncache-control: no-store\r\nx-content-type-options: nosniff\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  };
  server.on('upgrade', (req, socket, head) => {
    void (async () => {
      const match = CONNECT.exec(req.url ?? '');
      if (!match) return refuse(socket, 404, `no WebSocket at ${(req.url ?? '').split('?')[0]}`);
      const ip = req.socket.remoteAddress ?? '';
      if (failures.blockedFor(ip, Date.now()) > 0) return refuse(socket, 429, 'too many failed authentications from this address');
      const principal = await authenticate(opts.resolvers, { headers: req.headers, ip });
      if (!principal) {
        failures.fail(ip, Date.now());
        return refuse(
          socket,
          401,
          hasCredential({ headers: req.headers, ip }) ? 'invalid API token' : 'missing Authorization: Bearer <token> header',
        );
      }
      const refused = routeRefusal(principal, access, 'GET');
      if (refused) return refuse(socket, 403, refused.reason);
      if (!opts.hub)
        return refuse(
          socket,
          409,
          'this process does not deliver (its role has no worker): connect sluice listen to a process of role all',
        );
      const [appRef, name] = [decodeURIComponent(match[1] as string), decodeURIComponent(match[2] as string)];
      const application = await opts.store.getApplication(appRef);
      if (!mayTouchApplication(principal, appRef, application)) {
        return refuse(socket, 403, `application "${appRef}" is not among the applications this ${principal.kind} may use`);
      }
      const endpoint = application ? await opts.store.getEndpoint(application.id, name) : null;
      if (!application || !endpoint || endpointType(endpoint) !== 'relay')
        return refuse(socket, 404, `no relay endpoint "${name}" in application "${appRef}" (sluice listen creates it)`);
      const hub = opts.hub;
      wss.handleUpgrade(req, socket, head, (ws) =>
        hub.attach(endpoint.id, ws, { type: 'ready', endpointId: endpoint.id, appId: application.id, name }),
      );
    })().catch((err: unknown) => {
      opts.log.error({ err }, 'relay: upgrade failed');
      socket.destroy();
    });
  });
}
