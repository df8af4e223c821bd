import pg from 'pg';
import { dueChannel } from './channels.ts';
import type { PgOptions, Queryable } from './db.ts';

/**
 * Queues a wake-up for every listening worker. PostgreSQL sends it at commit
 * (never for a rolled-back transaction) and folds repeats within one
 * transaction into one, so a batch of a thousand messages wakes each worker once.
 */
export async function notifyDue(tx: Queryable, channel: string): Promise<void> {
  await tx.query("SELECT pg_notify($1, '')", [channel]);
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * Keeps one connection LISTENing on the due channel and calls `due` for each
 * notification. When the connection comes back after a drop, `due` is called
 * once, since notifications sent while it was away are lost. Returns a
 * function that stops listening.
 */
export function listenDue(options: PgOptions, due: () => void, onError: (err: Error) => void): () => void {
  return listenChannel(options, dueChannel(options), 'due deliveries', () => due(), due, onError);
}

/**
 * Keeps one connection LISTENing on `channel` and calls `heard` with each
 * notification's payload. The connection is outside the pool (LISTEN is per
 * session). When it drops (the server restarted) it is reopened with a growing
 * pause, and `connected` is called each time it is listening again.
 */
export function listenChannel(
  options: PgOptions,
  channel: string,
  what: string,
  heard: (payload: string) => void,
  connected: () => void,
  onError: (err: Error) => void,
): () => void {
  let stopped = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pause = RETRY_MIN_MS;

  const retry = (err: Error): void => {
    if (stopped) return;
    onError(new Error(`listening for ${what} on ${channel} failed; retrying in ${pause} ms`, { cause: err }));
    const old = client;
    client = undefined;
    old?.removeAllListeners();
    old?.on('error', () => undefined);
    void old?.end().catch(() => undefined);
    timer = setTimeout(connect, pause);
    pause = Math.min(pause * 2, RETRY_MAX_MS);
  };

  const connect = (): void => {
    timer = undefined;
    if (stopped) return;
    const c = new pg.Client({
      connectionString: options.url,
      connectionTimeoutMillis: options.connectTimeoutMs,
      options: options.schema !== undefined ? `-c search_path=${options.schema}` : undefined,
      application_name: 'sluice-listen',
      keepAlive: true,
    });
    client = c;
    c.on('notification', (n) => {
      if (n.channel === channel) heard(n.payload ?? '');
    });
    c.on('error', retry);
    c.on('end', () => {
      if (client === c) retry(new Error('the listening connection closed'));
    });
    c.connect()
      .then(() => c.query(`LISTEN ${channel}`))
      .then(() => {
        if (stopped || client !== c) return;
        pause = RETRY_MIN_MS;
        connected();
      })
      .catch((err: Error) => {
        if (client === c) retry(err);
      });
  };

  connect();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const c = client;
    client = undefined;
    c?.removeAllListeners();
    c?.on('error', () => undefined);
    void c?.end().catch(() => undefined);
  };
}
