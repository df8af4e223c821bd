import { hostname } from 'node:os';
import { request } from 'undici';
import { WebSocket } from 'ws';
import { CLOSE_BYE, CLOSE_REPLACED, type DeliveryFrame, type GatewayFrame, type ResultFrame } from '../relay/protocol.ts';
import { ApiClient, durationFlag, runClient, UsageError, type ClientFlags } from './client.ts';
import { clock, statusColour, type Output } from './output.ts';
import { resolveApp } from './resolve-app.ts';

export interface ListenFlags extends ClientFlags {
  forwardTo: string;
  app?: string;
  events?: string;
  name?: string;
  headers?: string;
  printSecret?: boolean;
  keep?: string;
}

/** What the local handler's answer may carry back (the gateway keeps 4 KiB of it). */
const BODY_LIMIT = 64 * 1024;
const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000];
/** The gateway pings every 10 s; this long without one means the connection is gone even if no close arrived. */
const SILENCE_MS = 35_000;

/** `--headers "K:V,K2:V2"` → headers added to every forwarded request (stored on the relay endpoint). */
export function parseHeaderList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const colon = pair.indexOf(':');
    const name = pair.slice(0, colon).trim().toLowerCase();
    if (colon <= 0 || !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new UsageError(`--headers: "${pair}" is not Name:Value`);
    out[name] = pair.slice(colon + 1).trim();
  }
  return out;
}

/** The default `--name`: this machine's host name, in the characters an endpoint uid may have. */
export function defaultName(): string {
  const name = hostname()
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64);
  return name || 'listener';
}

/**
 * `sluice listen --forward-to URL`: a relay endpoint on the gateway, and a
 * WebSocket over which the gateway pushes its deliveries; each is POSTed to
 * the local URL with its exact bytes and headers, and the handler's answer is
 * sent back as the attempt. Never claims to be ready while it is not.
 */
export function listen(flags: ListenFlags): Promise<number> {
  return runClient(flags, async (out) => {
    let target: URL;
    try {
      target = new URL(flags.forwardTo);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('scheme');
    } catch {
      throw new UsageError(`--forward-to ${flags.forwardTo}: expected an http:// or https:// URL`);
    }
    const headers = flags.headers === undefined ? undefined : parseHeaderList(flags.headers);
    const keepMs = flags.keep === undefined ? undefined : durationFlag('--keep', flags.keep);
    const name = flags.name ?? defaultName();
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) throw new UsageError(`--name ${name}: letters, digits, _ . - (at most 64)`);
    const client = ApiClient.from(flags);
    const app = await resolveApp(client, flags.app);
    const events = flags.events
      ?.split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const { body: endpoint } = await client.request<{ id: string; secret: string; url: string }>(
      'PUT',
      `/app/${encodeURIComponent(app)}/relay/${encodeURIComponent(name)}`,
      {
        ...(events ? { filterTypes: events } : {}),
        ...(headers ? { headers } : {}),
        ...(keepMs !== undefined ? { keepMs } : {}),
      },
    );
    if (flags.printSecret) {
      out.emit(endpoint.secret, { secret: endpoint.secret, endpointId: endpoint.id, name });
      return 0;
    }
    const wsUrl = `${client.server.replace(/^http/, 'ws')}/api/v1/app/${encodeURIComponent(app)}/relay/${encodeURIComponent(name)}/connect`;
    return new Relay(out, wsUrl, client.token as string, target, endpoint.secret, name).run();
  });
}

class Relay {
  private socket: WebSocket | undefined;
  private stopping = false;
  private everReady = false;
  private failures = 0;
  private silence: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private finish: (code: number) => void = () => undefined;

  constructor(
    private readonly out: Output,
    private readonly wsUrl: string,
    private readonly token: string,
    private readonly target: URL,
    private readonly secret: string,
    private readonly name: string,
  ) {}

  run(): Promise<number> {
    return new Promise<number>((resolve) => {
      this.finish = (code) => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve(code);
      };
      const stop = (): void => {
        this.stopping = true;
        clearTimeout(this.retryTimer);
        if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.close(CLOSE_BYE, 'bye');
        else this.finish(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      this.connect();
    });
  }

  private status(text: string, json: Record<string, unknown>): void {
    this.out.emit(text, { at: new Date().toISOString(), ...json });
  }

  private connect(): void {
    const socket = new WebSocket(this.wsUrl, { headers: { authorization: `Bearer ${this.token}` }, handshakeTimeout: 10_000 });
    this.socket = socket;
    let refusedWith: string | undefined;
    socket.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        let detail = text;
        try {
          detail = (JSON.parse(text) as { detail?: string }).detail ?? text;
        } catch {
          // Not JSON.
        }
        refusedWith = `${res.statusCode}: ${detail}`;
        // Refused for a reason a retry cannot fix (token, its role, no such endpoint): say so and stop.
        if (res.statusCode === 401 || res.statusCode === 403 || res.statusCode === 404 || res.statusCode === 409) {
          this.stopping = true;
          this.out.error(`the gateway refused the relay connection (${refusedWith})`);
          this.finish(1);
        } else {
          this.retry(`the gateway refused the connection (${refusedWith})`);
        }
      });
    });
    socket.on('ping', () => this.heard());
    socket.on('open', () => this.heard());
    socket.on('message', (data) => {
      let frame: GatewayFrame;
      try {
        frame = JSON.parse(String(data)) as GatewayFrame;
      } catch {
        return;
      }
      if (frame.type === 'ready') this.ready();
      else if (frame.type === 'delivery') void this.forward(socket, frame);
    });
    socket.on('error', () => {
      // The close that follows says what happens next.
    });
    socket.on('close', (code, reason) => {
      clearTimeout(this.silence);
      if (refusedWith !== undefined) return;
      if (code === CLOSE_REPLACED) {
        this.out.error(`${reason.toString() || 'another sluice listen took over this endpoint'}; stopping`);
        this.finish(1);
        return;
      }
      if (this.stopping) {
        this.finish(0);
        return;
      }
      this.retry(this.everReady ? 'connection lost' : 'could not connect to the gateway');
    });
  }

  private retry(why: string): void {
    if (this.stopping) return;
    const wait = BACKOFF_MS[Math.min(this.failures, BACKOFF_MS.length - 1)] as number;
    this.failures++;
    this.status(`${this.out.paint('yellow', `${why}, reconnecting in ${wait / 1000} s …`)}`, {
      type: 'disconnected',
      reason: why,
      retryInMs: wait,
    });
    this.retryTimer = setTimeout(() => {
      if (!this.stopping) this.connect();
    }, wait);
  }

  private heard(): void {
    clearTimeout(this.silence);
    this.silence = setTimeout(() => {
      this.socket?.terminate();
    }, SILENCE_MS);
    this.silence.unref();
  }

  private ready(): void {
    this.failures = 0;
    if (this.everReady) {
      this.status(this.out.paint('green', 'reconnected'), { type: 'reconnected' });
      return;
    }
    this.everReady = true;
    this.status(
      `Ready! Forwarding to ${this.target.href} as relay endpoint ${this.name}. Your webhook signing secret is ${this.out.paint('bold', this.secret)} (^C to quit)`,
      { type: 'ready', forwardTo: this.target.href, name: this.name, secret: this.secret },
    );
  }

  private async forward(socket: WebSocket, frame: DeliveryFrame): Promise<void> {
    const event = frame.eventType ?? '(no type)';
    this.status(`${clock(Date.now())}  --> ${event} [${frame.msgId}]`, {
      type: 'delivery',
      msgId: frame.msgId,
      eventType: frame.eventType,
    });
    const started = performance.now();
    const result: ResultFrame = { type: 'result', id: frame.id, status: null, headers: {}, body: null, durationMs: 0, error: null };
    try {
      const res = await request(this.target, {
        method: 'POST',
        headers: frame.headers,
        body: Buffer.from(frame.body, 'base64'),
        headersTimeout: frame.timeoutMs,
        bodyTimeout: frame.timeoutMs,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        chunks.push(chunk as Buffer);
        size += (chunk as Buffer).length;
        if (size >= BODY_LIMIT) break;
      }
      result.status = res.statusCode;
      result.body = Buffer.concat(chunks).subarray(0, BODY_LIMIT).toString('utf8');
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) result.headers[k] = Array.isArray(v) ? v.join(', ') : v;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ECONNREFUSED') {
        result.refused = true;
        result.error = `nothing is listening on ${this.target.host} (connection refused)`;
      } else {
        result.error = (err as Error).message;
      }
    }
    result.durationMs = Math.round(performance.now() - started);
    const at = clock(Date.now());
    if (result.status !== null) {
      this.status(
        `${at}  <--  ${this.out.paint(statusColour(result.status), `[${result.status}]`)} POST ${this.target.href} (${result.durationMs} ms) [${frame.msgId}]`,
        { type: 'response', msgId: frame.msgId, status: result.status, durationMs: result.durationMs, url: this.target.href },
      );
    } else if (result.refused) {
      this.status(
        `${at}  <--  ${this.out.paint('red', '[ERR]')} Nothing is listening on ${this.target.host}; the gateway will retry [${frame.msgId}]`,
        { type: 'response', msgId: frame.msgId, status: null, error: result.error, url: this.target.href },
      );
    } else {
      this.status(`${at}  <--  ${this.out.paint('red', '[ERR]')} POST ${this.target.href} failed: ${result.error} [${frame.msgId}]`, {
        type: 'response',
        msgId: frame.msgId,
        status: null,
        error: result.error,
        url: this.target.href,
      });
    }
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(result));
  }
}
