import type { Capability, Role } from './principal.ts';

/** Who may use one route of `/api/v1`. */
export interface RouteAccess {
  /** `app`: the route names one application in `:app_id`; `global`: none; `public`: no authentication. */
  scope: 'app' | 'global' | 'public';
  /** Whether it changes anything (audited; refused to viewers). */
  mutating: boolean;
  /** The least role an API token (or a console session) needs. */
  role: Role;
  /** The capability an app-portal principal needs; `null`: never for a portal. */
  portal: Capability | null;
  /** For a global route: whether a principal restricted to some applications may use it. */
  restrictedOk?: boolean;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const r = (scope: RouteAccess['scope'], mutating: boolean, role: Role, portal: Capability | null, restrictedOk = false): RouteAccess => ({
  scope,
  mutating,
  role,
  portal,
  restrictedOk,
});

/**
 * Routes whose access the path alone does not tell. Keyed `METHOD /path`
 * relative to `/api/v1`, as Fastify names the route.
 */
const TABLE: Record<string, RouteAccess> = {
  'GET /health': r('public', false, 'viewer', null),
  'GET /openapi.json': r('public', false, 'viewer', null),
  'GET /auth/me': r('global', false, 'viewer', 'ViewBase', true),
  'GET /audit': r('global', false, 'admin', null),
  // Tokens for the portal are issued by the operator, never by a portal session to itself.
  'POST /auth/app-portal-access/:app_id': r('app', true, 'operator', null),
  'GET /app': r('global', false, 'viewer', null),
  'POST /app': r('global', true, 'operator', null),
  // A tenant may read its application but never rename, re-identify or delete it.
  'PUT /app/:app_id': r('app', true, 'operator', null),
  'PATCH /app/:app_id': r('app', true, 'operator', null),
  'DELETE /app/:app_id': r('app', true, 'operator', null),
  // Sending is the platform's job; a tenant sends only test events (send-example).
  'POST /app/:app_id/msg': r('app', true, 'operator', null),
  'DELETE /app/:app_id/msg/:msg_id/content': r('app', true, 'operator', null),
  'GET /app/:app_id/quarantine': r('app', false, 'viewer', null),
  'POST /app/:app_id/quarantine/release': r('app', true, 'operator', null),
  'GET /app/:app_id/endpoint/:endpoint_id/secret': r('app', false, 'viewer', 'ViewEndpointSecret'),
  // The private half of an ed25519 secret: an operator's explicit request only.
  'GET /app/:app_id/endpoint/:endpoint_id/secret/signing-key': r('app', false, 'operator', null),
  'POST /app/:app_id/endpoint/:endpoint_id/secret/rotate': r('app', true, 'operator', 'ManageEndpointSecret'),
  'POST /app/:app_id/endpoint/:endpoint_id/recover': r('app', true, 'operator', 'CreateAttempts'),
  'POST /app/:app_id/endpoint/:endpoint_id/send-example': r('app', true, 'operator', 'CreateAttempts'),
  'POST /app/:app_id/msg/:msg_id/endpoint/:endpoint_id/resend': r('app', true, 'operator', 'CreateAttempts'),
  'POST /app/:app_id/msg/:msg_id/replay': r('app', true, 'operator', 'CreateAttempts'),
  // Ends the portal session that calls it (the route answers 403 to API tokens): even a read-only session may.
  'POST /auth/logout': r('global', true, 'viewer', 'ViewBase', true),
  // Asks whether a message would reach an endpoint before sending one: the platform's call, like sending.
  'POST /app/:app_id/msg/precheck/active': r('app', true, 'operator', null),
  'POST /app/:app_id/endpoint/:endpoint_id/replay-missing': r('app', true, 'operator', 'CreateAttempts'),
  // Console sign-in and sign-out: signing in is how a browser gets a session, so no credential is asked first.
  'POST /auth/session': r('public', true, 'viewer', null),
  'DELETE /auth/session': r('public', true, 'viewer', null),
  // The console's views across every application: operator data (sources, rejected requests) never
  // reaches a portal, and a token limited to some applications is refused rather than shown the rest.
  'GET /stats/overview': r('global', false, 'viewer', null),
  'GET /messages': r('global', false, 'viewer', null),
  'GET /messages/:msg_id': r('global', false, 'viewer', null),
  'GET /messages/:msg_id/raw': r('global', false, 'viewer', null),
  'GET /rejected': r('global', false, 'viewer', null),
  'GET /sources': r('global', false, 'viewer', null),
  'GET /stream': r('global', false, 'viewer', null),
  // Letting an application's endpoints reach internal addresses is the operator's decision alone.
  'GET /app/:app_id/network-policy': r('app', false, 'viewer', null),
  'PUT /app/:app_id/network-policy': r('app', true, 'admin', null),
  // Developer tools: a signed sample through a source's real ingest path, and a `sluice listen` relay endpoint.
  'POST /source/:name/test-event': r('global', true, 'operator', null),
  'PUT /app/:app_id/relay/:name': r('app', true, 'operator', null),
  // Bulk jobs hold themselves to the caller's applications (http/api/caller.ts), so a tenant may run its own.
  'POST /bulk-jobs': r('global', true, 'operator', 'CreateAttempts', true),
  'GET /bulk-jobs': r('global', false, 'viewer', 'ViewBase', true),
  'GET /bulk-jobs/:id': r('global', false, 'viewer', 'ViewBase', true),
  'POST /bulk-jobs/:id/cancel': r('global', true, 'operator', 'CreateAttempts', true),
  // Alerts and reconciliation watch the whole gateway: operator data, never a tenant's.
  'GET /alerts': r('global', false, 'viewer', null),
  'GET /alerts/channels': r('global', false, 'viewer', null),
  'POST /alerts/channels/:name/test': r('global', true, 'operator', null),
  'GET /reconcile/runs': r('global', false, 'viewer', null),
  'POST /sources/:source/reconcile': r('global', true, 'operator', null),
  // A source's transformation shapes every tenant's messages from it: the operator's.
  'GET /source/:source_name/transformation': r('global', false, 'viewer', null),
  'PATCH /source/:source_name/transformation': r('global', true, 'operator', null),
  'POST /source/:source_name/transformation/test': r('global', true, 'operator', null),
  // A portal link's one-time key is its own credential: exchanging it needs no other.
  'POST /auth/portal-session': r('public', true, 'viewer', null),
  // The portal page's view of its own session; an API token has no portal session (the route answers it 403).
  'GET /auth/portal-session': r('global', false, 'admin', 'ViewBase', true),
  // Ending an application's portal sessions, and how its portal looks and where it may be framed: the platform's calls.
  'POST /auth/app/:app_id/expire-all': r('app', true, 'operator', null),
  'GET /app/:app_id/portal-settings': r('app', false, 'viewer', null),
  'PUT /app/:app_id/portal-settings': r('app', true, 'operator', null),
  'GET /event-type': r('global', false, 'viewer', 'ViewBase', true),
  'GET /event-type/:name': r('global', false, 'viewer', 'ViewBase', true),
  'POST /event-type': r('global', true, 'operator', null),
  'PUT /event-type/:name': r('global', true, 'operator', null),
  'PATCH /event-type/:name': r('global', true, 'operator', null),
  'DELETE /event-type/:name': r('global', true, 'operator', null),
};

/**
 * Who may use a route: the table above, else the rules of an application's
 * own routes (reads need `ViewBase`; changes to its endpoints `ManageEndpoint`,
 * to transformations `ManageTransformations`). `null` when neither decides:
 * such a route is refused to everyone but admins, and the route-matrix test
 * fails until it is classified here.
 */
export function classifyRoute(method: string, path: string): RouteAccess | null {
  const url = path.replace(/^\/api\/v1(?=\/)/, '');
  const found = TABLE[`${method} ${url}`];
  if (found) return found;
  if (!/^\/app\/:app_id(\/|$)/.test(url)) return null;
  if (READ_METHODS.has(method)) return r('app', false, 'viewer', 'ViewBase');
  if (/\/transformation(\/|$)/.test(url)) return r('app', true, 'operator', 'ManageTransformations');
  if (/^\/app\/:app_id\/endpoint(\/|$)/.test(url)) return r('app', true, 'operator', 'ManageEndpoint');
  // Integrations are off in Sluice (answered as Svix does without them); changing one is managing endpoints.
  if (/^\/app\/:app_id\/integration(\/|$)/.test(url)) return r('app', true, 'operator', 'ManageEndpoint');
  return null;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether `role` reaches `needed`. */
export function roleReaches(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}
