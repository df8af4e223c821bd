import { Worker } from 'node:worker_threads';
import type { SyncedApplication } from '../endpoint-sync.ts';
import type { Application } from '../records.ts';
import { installedKeys, keyInstalls } from '../secret-box.ts';
import type { Store } from '../store.ts';
import { THREAD_OPERATIONS } from './thread-operations.ts';
import { revive, type ThreadAnswer, type ThreadData } from './thread-messages.ts';

interface Call {
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * The embedded store with its connection on a thread of its own: each
 * operation is one message to the thread (`thread-host.ts`), which runs it
 * whole on a `SqliteStore` and answers. The main thread only parses and
 * answers HTTP meanwhile: a commit's fsync or a long query never holds it up.
 * Operations run in the order they are called, as on the connection itself.
 */
export class ThreadedSqliteStore {
  readonly kind = 'sqlite' as const;
  private readonly calls = new Map<number, Call>();
  private nextId = 1;
  /** Why calls are refused: the store closed, or its thread ended. */
  private refusal: Error | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    private keysSent: number,
    private readonly onFailure: (err: Error) => void,
  ) {
    worker.on('message', (answer: ThreadAnswer) => this.answered(answer));
    worker.on('error', (err) => this.fail(new Error(`the SQLite store thread failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => this.fail(new Error(`the SQLite store thread ended (exit code ${code})`)));
    // An answer that cannot be read names no call to fail: none can be trusted to come, so the thread goes.
    worker.on('messageerror', (err) => {
      this.fail(new Error(`an answer of the SQLite store thread could not be read: ${err.message}`, { cause: err }));
      void worker.terminate();
    });
    // Idle, the thread keeps no process alive (as an open connection does not); a call waiting for it does.
    worker.unref();
  }

  /**
   * Starts the thread on `module` (a composition root that calls `serveSqliteStore`)
   * and resolves once it has opened `path`; rejects with the thread's own error
   * when it cannot (the file is in use by another process, say). `onFailure` hears
   * once if the thread ends while the store is open; every call is refused from then on.
   */
  static open(path: string, module: URL, onFailure: (err: Error) => void): Promise<Store> {
    const data: ThreadData = { path, keys: installedKeys() };
    const keysSent = keyInstalls();
    const worker = startThread(module, data);
    return new Promise<Store>((resolve, reject) => {
      const early = (err: Error): void => {
        worker.off('message', first);
        reject(err);
      };
      const failed = (err: Error) => early(new Error(`the SQLite store thread failed to start: ${err.message}`, { cause: err }));
      const ended = (code: number) => early(new Error(`the SQLite store thread ended (exit code ${code}) before opening ${path}`));
      const first = (answer: ThreadAnswer): void => {
        worker.off('error', failed);
        worker.off('exit', ended);
        if ('ready' in answer && answer.ready) {
          resolve(new ThreadedSqliteStore(worker, keysSent, onFailure) as unknown as Store);
          return;
        }
        reject('error' in answer ? revive(answer.error) : new Error('the SQLite store thread said something unexpected'));
        void worker.terminate();
      };
      worker.once('message', first);
      worker.once('error', failed);
      worker.once('exit', ended);
    });
  }

  private call(method: string, args: unknown[]): Promise<unknown> {
    if (this.refusal) return Promise.reject(this.refusal);
    // Keys installed since (another gateway in this process, `keys rotate`): the thread seals with them before this call.
    if (keyInstalls() !== this.keysSent) {
      this.keysSent = keyInstalls();
      this.worker.postMessage({ keys: installedKeys() });
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      try {
        this.worker.postMessage({ id, method, args });
      } catch (err) {
        reject(new Error(`store.${method}: its arguments cannot be sent to the store thread: ${(err as Error).message}`, { cause: err }));
        return;
      }
      if (this.calls.size === 0) this.worker.ref();
      this.calls.set(id, { resolve, reject });
    });
  }

  private answered(answer: ThreadAnswer): void {
    if (!('id' in answer)) return;
    const call = this.calls.get(answer.id);
    if (!call) return;
    this.calls.delete(answer.id);
    if (this.calls.size === 0) this.worker.unref();
    if ('error' in answer) call.reject(revive(answer.error));
    else call.resolve(revive(answer.result));
  }

  /** The thread is gone: nothing it was asked will be answered, and nothing more can be asked. */
  private fail(err: Error): void {
    const closed = this.refusal !== undefined;
    this.refusal ??= err;
    for (const call of this.calls.values()) call.reject(err);
    this.calls.clear();
    if (!closed) this.onFailure(err);
  }

  async syncApplication(app: SyncedApplication, generateSecret: () => string): Promise<Application> {
    // A function cannot cross to the thread: one fresh secret per endpoint goes instead, for those that need one.
    return this.call('syncApplication', [app, app.endpoints.map(() => generateSecret())]) as Promise<Application>;
  }

  /** One process owns the file: there is no one to tell. */
  async shareLive(): Promise<void> {}
  onLive(): () => void {
    return () => undefined;
  }
  /** One process owns the file, and it wakes its own worker directly. */
  onDue(): () => void {
    return () => undefined;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.refusal) return;
    // Calls made before this one are answered first (the thread takes them in order); later ones are refused.
    const closed = this.call('close', []);
    this.refusal = new Error('store is closed');
    try {
      await closed;
    } finally {
      await this.worker.terminate();
    }
  }
}

for (const method of Object.keys(THREAD_OPERATIONS)) {
  Object.defineProperty(ThreadedSqliteStore.prototype, method, {
    value: function (this: ThreadedSqliteStore, ...args: unknown[]) {
      return (this as unknown as { call(m: string, a: unknown[]): Promise<unknown> }).call(method, args);
    },
    writable: true,
    configurable: true,
  });
}

/**
 * A built gateway runs the thread's JavaScript as it is. From the sources (tests,
 * `bin/sluice` before a build) the thread loads TypeScript through tsx, as the main
 * thread does: a worker inherits no loader hooks, so it registers them itself first.
 */
function startThread(module: URL, workerData: ThreadData): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
