import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback receiver that records every request and watches for the one thing
 * a shared queue must never do: two requests for the same `webhook-id` open at
 * once (two workers holding the same delivery).
 */
export class CountingReceiver {
  /** `webhook-id` → how many requests carried it. */
  readonly byId = new Map<string, number>();
  /** Sequence numbers (`n` in the body) seen at least once. */
  readonly seen = new Set<number>();
  readonly overlaps: string[] = [];
  total = 0;
  private readonly open = new Set<string>();
  private server: Server | undefined;
  url = '';

  /** `delayMs` holds each answer a while, so overlapping attempts would have time to show. */
  constructor(private readonly delayMs: () => number = () => 0) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.read(req).then(async (body) => {
        const id = String(req.headers['webhook-id'] ?? '');
        this.total++;
        this.byId.set(id, (this.byId.get(id) ?? 0) + 1);
        if (this.open.has(id)) this.overlaps.push(id);
        this.open.add(id);
        // A sender that gave up (timed out, died) no longer holds the delivery, whatever this handler does next.
        res.on('close', () => this.open.delete(id));
        try {
          const n = (JSON.parse(body) as { n?: unknown }).n;
          if (typeof n === 'number') this.seen.add(n);
          const delay = this.delayMs();
          if (delay > 0) await new Promise((r) => setTimeout(r, delay));
          res.writeHead(200).end('ok');
        } finally {
          this.open.delete(id);
        }
      });
    });
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  private async read(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Ids delivered more than once (allowed only after a crash: at-least-once). */
  repeated(): string[] {
    return [...this.byId].filter(([, n]) => n > 1).map(([id]) => id);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
