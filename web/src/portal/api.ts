/**
 * The portal's client of /api/v1: a bearer session (never a cookie, so it
 * works inside another site's iframe), kept in sessionStorage for this tab.
 */
import { ApiError, type Caller, fetchJson } from '../fetch-json.ts';

/** The portal's errors are the console's: one client serves both. */
export { ApiError as PortalApiError };

const STORE_KEY = 'sluice-portal-session';

export function savedToken(): string | null {
  try {
    return sessionStorage.getItem(STORE_KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(STORE_KEY);
    else sessionStorage.setItem(STORE_KEY, token);
  } catch {
    // Storage refused (a sandboxed frame): the session lives as long as the page.
  }
  current = token;
}

let current: string | null = savedToken();

/** Sent when the server no longer knows the session: the portal shows its "link has expired" page. */
export const EXPIRED_EVENT = 'sluice-portal:expired';

const portalCaller: Caller = {
  credentials: 'omit',
  bearer: () => current,
  onUnauthorized: (path) => {
    if (path !== '/auth/portal-session') window.dispatchEvent(new Event(EXPIRED_EVENT));
  },
};

export function papi<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  return fetchJson<T>(portalCaller, path, init);
}

export type Capability =
  | 'ViewBase'
  | 'ViewEndpointSecret'
  | 'ManageEndpointSecret'
  | 'ManageTransformations'
  | 'CreateAttempts'
  | 'ManageEndpoint';

export interface PortalView {
  appId: string;
  appUid: string | null;
  appName: string;
  capabilities: Capability[];
  expiresAt: string;
  branding: { logoUrl: string | null; primaryColor: string | null };
  rotationGraceSeconds: number;
  /** Whether the operator lets this portal set an endpoint's own retry schedule. */
  allowRetrySchedule?: boolean;
}

export interface ListPage<T> {
  data: T[];
  iterator: string | null;
  done: boolean;
}

export interface EndpointOut {
  id: string;
  uid: string | null;
  url: string;
  description: string;
  disabled: boolean;
  disabledReason?: string | null;
  filterTypes: string[] | null;
  channels: string[] | null;
  rateLimit: number | null;
  /** The endpoint's own retry delays (`["5s", "5m"]`); `null`: the gateway's schedule. */
  retrySchedule?: string[] | null;
  createdAt: string;
}

export interface EventTypeOut {
  name: string;
  description: string;
  deprecated: boolean;
  archived: boolean;
  schemas: Record<string, { examples?: unknown[] } & Record<string, unknown>> | null;
}

export interface MessageOut {
  id: string;
  eventType: string | null;
  eventId: string | null;
  timestamp: string;
  payload?: unknown;
}

export interface AttemptOut {
  id: string;
  msgId: string;
  endpointId: string;
  url: string;
  response: string;
  responseStatusCode: number;
  responseDurationMs: number;
  status: number;
  triggerType: number;
  timestamp: string;
  error?: string | null;
  /** The headers Sluice sent, credentials redacted; absent or `null` for an attempt recorded before headers were kept. */
  sentHeaders?: Record<string, string> | null;
  responseHeaders?: Array<[string, string]> | null;
}

export interface HealthOut {
  disabled: boolean;
  disabledReason: string | null;
  sample: number;
  successRate: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  lastError: { at: string | null; status: number | null; error: string | null } | null;
  breaker: string;
}

/** Svix's attempt status numbers, in words. */
export const ATTEMPT_STATUS: Record<number, string> = { 0: 'succeeded', 1: 'pending', 2: 'failed', 3: 'sending', 4: 'cancelled' };

/** An SSRF refusal or a bad URL, in the words a customer understands. */
export function plainUrlProblem(detail: string): string {
  if (/SSRF|private|loopback|link-local|reserved|internal/i.test(detail)) {
    return "This URL points to a private or internal network address. Webhooks can only be sent to addresses on the public internet: use your server's public URL.";
  }
  if (/only https/i.test(detail)) return 'Only https:// URLs are accepted.';
  if (/is not a URL/i.test(detail)) return 'This is not a valid URL. It should look like https://example.com/webhooks.';
  return detail.replace(/^body\.\w+:\s*/, '');
}
