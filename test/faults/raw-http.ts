import { connect, type Socket } from 'node:net';

/** What came back on a raw connection: a parsed response, or how the connection ended without one. */
export interface RawAnswer {
  status: number | null;
  headers: Record<string, string>;
  body: Buffer;
  /** Set when the connection failed or closed before a whole response arrived. */
  error?: string;
}

export interface RawRequest {
  /** Bytes of the request head and body, sent as given. */
  head: string | Buffer;
  body?: Buffer;
  /** Send the body in pieces of this size with `pauseMs` between them (slow senders). */
  chunk?: number;
  pauseMs?: number;
  timeoutMs?: number;
}

/** Parses the first HTTP/1.1 response in `data` (Content-Length or chunked); undefined while incomplete. */
export function parseResponse(data: Buffer): Omit<RawAnswer, 'error'> | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let rest = data.subarray(end + 4);
  if (headers['transfer-encoding']?.includes('chunked')) {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      if (lineEnd < 0) return undefined;
      const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
      if (size === 0) return { status, headers, body: Buffer.concat(parts) };
      if (rest.length < lineEnd + 2 + size + 2) return undefined;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
  }
  const length = Number(headers['content-length'] ?? 0);
  if (rest.length < length) return undefined;
  return { status, headers, body: rest.subarray(0, length) };
}

/**
 * Sends exactly the given bytes on a new loopback connection and reads one
 * response. Never throws: a reset or a timeout is reported in `error`, with
 * whatever response had arrived by then.
 */
export function rawRequest(port: number, req: RawRequest): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let settled = false;
    const finish = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const parsed = parseResponse(Buffer.concat(received));
      resolve(
        parsed
          ? { ...parsed, ...(error && !parsed ? { error } : {}) }
          : { status: null, headers: {}, body: Buffer.alloc(0), error: error ?? 'closed without a response' },
      );
    };
    const timer = setTimeout(() => finish('timed out'), req.timeoutMs ?? 15_000);
    socket.on('data', (d: Buffer) => {
      received.push(d);
      if (parseResponse(Buffer.concat(received))) finish();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    socket.on('close', () => finish());
    socket.on(
      'connect',
      () =>
        void (async () => {
          socket.write(req.head);
          const body = req.body ?? Buffer.alloc(0);
          const step = req.chunk ?? body.length;
          for (let at = 0; at < body.length && !settled && !socket.destroyed; at += step) {
            socket.write(body.subarray(at, at + step));
            if (req.pauseMs) await new Promise((r) => setTimeout(r, req.pauseMs));
          }
        })(),
    );
  });
}

/** A request head with `Connection: close`; `headers` may repeat names and carry any bytes. */
export function head(method: string, path: string, headers: Array<[string, string]>, bodyLength?: number): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  if (bodyLength !== undefined) lines.push(`Content-Length: ${bodyLength}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}
