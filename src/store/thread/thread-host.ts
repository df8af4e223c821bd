import { parentPort, workerData } from 'node:worker_threads';
import type { SyncedApplication } from '../endpoint-sync.ts';
import type { StoreRules } from '../rules.ts';
import { installKeys } from '../secret-box.ts';
import { SqliteStore } from '../sqlite/index.ts';
import { packErrors, revive, type ThreadAnswer, type ThreadData, type ThreadRequest } from './thread-messages.ts';

/**
 * The store thread's side (`ThreadedSqliteStore` is the other): opens the file,
 * says whether it could, then runs each operation it is sent on its own
 * `SqliteStore` and answers it. Called by the thread's own composition root,
 * which gives the rules (functions do not cross threads; the root builds its own).
 */
export function serveSqliteStore(rules: StoreRules): void {
  const port = parentPort;
  if (!port) throw new Error('serveSqliteStore runs inside the SQLite store thread');
  const data = workerData as ThreadData;
  // The keys of the main thread's box; there is no reload: one process owns a SQLite file, so nobody else rotates under it.
  if (data.keys.length > 0) installKeys(data.keys);
  const send = (answer: ThreadAnswer): void => {
    try {
      port.postMessage(answer);
    } catch (err) {
      if (!('id' in answer)) throw err;
      port.postMessage({ id: answer.id, error: packErrors(new Error(`the store's answer could not be sent: ${(err as Error).message}`)) });
    }
  };
  let store: SqliteStore;
  try {
    store = new SqliteStore(data.path, rules);
  } catch (err) {
    send({ ready: false, error: packErrors(err) });
    port.close();
    return;
  }
  const close = (): void => port.close();
  const methods = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  port.on('message', (request: ThreadRequest) => {
    if ('keys' in request) {
      installKeys(request.keys);
      return;
    }
    const { id, method, args } = request;
    revive(args);
    let running: Promise<unknown>;
    try {
      running =
        method === 'syncApplication'
          ? syncApplication(store, args)
          : (methods[method] as (...a: unknown[]) => Promise<unknown>).apply(store, args);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      (result) => send({ id, result: packErrors(result) }),
      (error: unknown) => send({ id, error: packErrors(error) }),
    );
    // Once closed, the thread's event loop is empty and it ends by itself.
    if (method === 'close') running.then(close, close);
  });
  send({ ready: true });
}

/** The secrets a sync may need come along, made on the main thread, in place of its generator. */
function syncApplication(store: SqliteStore, args: unknown[]): Promise<unknown> {
  const [app, secrets] = args as [SyncedApplication, string[]];
  return store.syncApplication(app, () => {
    const secret = secrets.shift();
    if (secret === undefined) throw new Error('syncApplication asked for more secrets than the application has endpoints');
    return secret;
  });
}
