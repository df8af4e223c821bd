import { ApiError, type Caller, fetchJson } from './fetch-json.ts';

export { ApiError };

/** The console speaks only to the public /api/v1, with its session cookie. */
const consoleCaller: Caller = {
  credentials: 'same-origin',
  onUnauthorized: (path) => {
    if (path !== '/auth/session') window.dispatchEvent(new Event('sluice:signed-out'));
  },
};

export function api<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  return fetchJson<T>(consoleCaller, path, init);
}

/** The bytes of a message's payload, exactly as received. */
export async function rawPayload(msgId: string): Promise<{ text: string; bytes: number }> {
  const res = await fetch(`/api/v1/messages/${encodeURIComponent(msgId)}/raw`, { credentials: 'same-origin' });
  if (!res.ok) throw new ApiError(res.status, 'error', res.status === 410 ? 'the payload was removed by retention' : `HTTP ${res.status}`);
  const buf = await res.arrayBuffer();
  return { text: new TextDecoder().decode(buf), bytes: buf.byteLength };
}

export interface Me {
  kind: string;
  name: string;
  role: 'admin' | 'operator' | 'viewer';
  applications: string[] | null;
}

export interface Page<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
  scanned?: number;
}

export interface DeliveryOut {
  id: string;
  uid: string | null;
  url: string;
  deliveryId: string;
  state: string;
  attempts: number;
  nextAttempt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  stale: boolean;
  skipReason: string | null;
}

export interface MessageOut {
  id: string;
  appId: string;
  eventId: string | null;
  eventType: string | null;
  timestamp: string;
  source: string | null;
  state: string;
  error: string | null;
  contentType: string | null;
  orderingKey: string | null;
  sequence: number | null;
  channels: string[] | null;
  size: number | null;
  validationErrors: Array<{ path: string; message: string }> | null;
  deliveries?: DeliveryOut[];
}

export interface MessageDetail extends MessageOut {
  payload: unknown;
  headers: Record<string, string>;
  appUid: string | null;
  appName: string | null;
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
  error: string | null;
  /** The headers Sluice sent, credentials redacted; `null` for an attempt recorded before headers were kept. */
  sentHeaders: Record<string, string> | null;
  responseHeaders: Array<[string, string]> | null;
  /** Sent headers whose values were not stored. */
  sensitive: string[];
}

/** A bulk job's filter as POST /bulk-jobs takes it. */
export interface BulkFilterIn {
  app?: string;
  endpoint?: string;
  status?: string[];
  eventTypes?: string[];
  source?: string;
  since?: string;
  until?: string;
}

export interface BulkJobOut {
  id: string;
  action: 'retry' | 'replay';
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  total: number;
  done: number;
  failed: number;
  report: { queued: number; notQueued: Record<string, number>; failedIds: string[]; error?: string };
  createdAt: string;
  finishedAt: string | null;
}
