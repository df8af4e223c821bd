import type { LiveEvent, LiveExtra } from './events.ts';

export type LiveListener = (event: LiveEvent, extra: LiveExtra) => void;

/**
 * The in-process bus of ingest decisions and attempt outcomes. Publishing is a
 * loop over a handful of listeners (the flow counter, the open streams, the
 * cross-process relay): no I/O and no queue, so the hot path pays a function
 * call per decision. Listeners must not throw or block; a throwing one is
 * reported and removed, so one bad client cannot break ingest.
 */
export class LiveBus {
  private readonly listeners = new Set<LiveListener>();
  /** Stream clients connected to this process (the cross-process relay forwards only while some process has one). */
  watchers = 0;

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  /** Returns a function that unsubscribes. */
  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  publish(event: LiveEvent, extra: LiveExtra): void {
    for (const listener of this.listeners) {
      try {
        listener(event, extra);
      } catch (err) {
        this.listeners.delete(listener);
        this.onListenerError(err);
      }
    }
  }
}
