import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP server that answers with `handle` and records every request it got. */
export class FakeApi {
  readonly requests: Array<{ method: string; url: URL; headers: IncomingMessage['headers'] }> = [];
  private server: Server | undefined;
  base = '';

  constructor(
    private readonly handle: (req: { method: string; url: URL; headers: IncomingMessage['headers'] }, res: ServerResponse) => void,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const record = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', 'http://127.0.0.1'), headers: req.headers };
      this.requests.push(record);
      req.resume();
      req.on('end', () => this.handle(record, res));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export interface StripeEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
  api_version: string;
  livemode: boolean;
  pending_webhooks: number;
  request: null;
}

/**
 * Stripe's `GET /v1/events` as documented: newest first, `created[gte]`,
 * `types[]`, `limit`, `starting_after`, `has_more`. Pages hold at most
 * `pageSize` events whatever the limit asked, so paging is exercised. The very
 * first call is answered 429 once, as a rate limit would.
 */
export function fakeStripe(events: StripeEvent[], apiKey: string, pageSize = 2): FakeApi {
  let limited = false;
  return new FakeApi((req, res) => {
    if (req.headers.authorization !== `Bearer ${apiKey}`)
      return send(res, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    if (req.method !== 'GET' || req.url.pathname !== '/v1/events')
      return send(res, 404, { error: { type: 'invalid_request_error', message: 'Unrecognized request URL' } });
    if (!limited) {
      limited = true;
      return send(res, 429, { error: { type: 'rate_limit_error', message: 'Too many requests' } }, { 'retry-after': '0' });
    }
    const q = req.url.searchParams;
    const gte = Number(q.get('created[gte]') ?? 0);
    const types = [...q.entries()].filter(([k]) => /^types\[\d*\]$/.test(k)).map(([, v]) => v);
    const limit = Math.min(Number(q.get('limit') ?? 10), pageSize);
    let list = [...events]
      .sort((a, b) => b.created - a.created || b.id.localeCompare(a.id))
      .filter((e) => e.created >= gte && (types.length === 0 || types.includes(e.type)));
    const after = q.get('starting_after');
    if (after) list = list.slice(list.findIndex((e) => e.id === after) + 1);
    send(res, 200, { object: 'list', url: '/v1/events', data: list.slice(0, limit), has_more: list.length > limit });
  });
}

export interface GithubDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: null;
  repository_id: number;
  payload: Record<string, unknown>;
}

/**
 * GitHub's hook-delivery endpoints for one repository hook, as documented:
 * the list newest first with `per_page` and a `cursor` in `Link: rel="next"`,
 * one delivery with its request, and a redelivery (`POST …/attempts`).
 */
export function fakeGithub(
  owner: string,
  repo: string,
  hookId: number,
  deliveries: GithubDelivery[],
  token: string,
  pageSize = 2,
): FakeApi & { redelivered: number[] } {
  const redelivered: number[] = [];
  const prefix = `/repos/${owner}/${repo}/hooks/${hookId}/deliveries`;
  const api = new FakeApi((req, res) => {
    if (req.headers.authorization !== `token ${token}`) return send(res, 401, { message: 'Bad credentials' });
    const path = req.url.pathname;
    const sorted = [...deliveries].sort((a, b) => b.id - a.id);
    if (req.method === 'GET' && path === prefix) {
      const start = Number(req.url.searchParams.get('cursor') ?? 0);
      const per = Math.min(Number(req.url.searchParams.get('per_page') ?? 30), pageSize);
      const page = sorted.slice(start, start + per).map(({ payload: _p, ...d }) => d);
      const headers: Record<string, string> =
        start + per < sorted.length ? { link: `<${api.base}${prefix}?per_page=${per}&cursor=${start + per}>; rel="next"` } : {};
      return send(res, 200, page, headers);
    }
    const one = path.startsWith(`${prefix}/`)
      ? sorted.find((d) => String(d.id) === path.slice(prefix.length + 1).split('/')[0])
      : undefined;
    if (!one) return send(res, 404, { message: 'Not Found' });
    if (req.method === 'POST' && path.endsWith('/attempts')) {
      redelivered.push(one.id);
      return send(res, 202, {});
    }
    const { payload, ...d } = one;
    send(res, 200, {
      ...d,
      url: `${api.base}${path}`,
      request: { headers: { 'X-GitHub-Delivery': d.guid, 'X-GitHub-Event': d.event, 'Content-Type': 'application/json' }, payload },
      response: { headers: {}, payload: 'ok' },
    });
  });
  return Object.assign(api, { redelivered });
}
