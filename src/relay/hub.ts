import type { WebSocket } from 'ws';
import type { Logger } from '../observability/logger.ts';
import { CLOSE_REPLACED, type DeliveryFrame, type ReadyFrame, type ResultFrame } from './protocol.ts';

/** What a delivery to a listener came to. */
export type RelayOutcome =
  | { kind: 'answered'; result: ResultFrame }
  /** No listener here, or it went away before answering: not the handler's fault. */
  | { kind: 'absent' }
  | { kind: 'timeout' };

interface Session {
  socket: WebSocket;
  pending: Map<string, (outcome: RelayOutcome) => void>;
  alive: boolean;
}

/**
 * The `sluice listen` sessions this process holds, one per relay endpoint.
 * The delivery worker hands relay deliveries here; a session's arrival wakes
 * it (deliveries waited while the listener was away).
 */
export class RelayHub {
  private readonly sessions = new Map<string, Session>();
  private onArrival: () => void = () => undefined;

  constructor(private readonly log: Logger) {}

  /** Called when a listener connects: its waiting deliveries are due. */
  whenConnected(wake: () => void): void {
    this.onArrival = wake;
  }

  connected(endpointId: string): boolean {
    return this.sessions.has(endpointId);
  }

  /** A new listener for the endpoint; an older one is told it was replaced (it stops instead of fighting back). */
  attach(endpointId: string, socket: WebSocket, ready: ReadyFrame): void {
    const old = this.sessions.get(endpointId);
    if (old) old.socket.close(CLOSE_REPLACED, 'another sluice listen took over this endpoint');
    const session: Session = { socket, pending: new Map(), alive: true };
    this.sessions.set(endpointId, session);
    socket.on('pong', () => {
      session.alive = true;
    });
    socket.on('message', (data) => {
      let frame: ResultFrame;
      try {
        frame = JSON.parse(String(data)) as ResultFrame;
      } catch {
        this.log.warn({ endpointId }, 'relay: a listener sent a frame that is not JSON; ignored');
        return;
      }
      if (frame.type !== 'result' || typeof frame.id !== 'string') return;
      const done = session.pending.get(frame.id);
      session.pending.delete(frame.id);
      done?.({ kind: 'answered', result: frame });
    });
    socket.on('close', () => {
      if (this.sessions.get(endpointId) === session) this.sessions.delete(endpointId);
      for (const done of session.pending.values()) done({ kind: 'absent' });
      session.pending.clear();
      this.log.info({ endpointId }, 'relay: listener disconnected');
    });
    socket.on('error', (err) => this.log.warn({ err, endpointId }, 'relay: listener connection failed'));
    socket.send(JSON.stringify(ready));
    this.log.info({ endpointId, name: ready.name }, 'relay: listener connected');
    this.onArrival();
  }

  /** Sends one delivery to the endpoint's listener and waits for its answer, at most `timeoutMs`. */
  deliver(endpointId: string, frame: DeliveryFrame, timeoutMs: number, shutdown: AbortSignal): Promise<RelayOutcome> {
    const session = this.sessions.get(endpointId);
    if (!session || shutdown.aborted) return Promise.resolve({ kind: 'absent' });
    return new Promise<RelayOutcome>((resolve) => {
      const finish = (outcome: RelayOutcome): void => {
        clearTimeout(timer);
        shutdown.removeEventListener('abort', onShutdown);
        session.pending.delete(frame.id);
        resolve(outcome);
      };
      const onShutdown = (): void => finish({ kind: 'absent' });
      const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
      shutdown.addEventListener('abort', onShutdown, { once: true });
      session.pending.set(frame.id, finish);
      session.socket.send(JSON.stringify(frame), (err) => {
        if (err) finish({ kind: 'absent' });
      });
    });
  }

  /**
   * Drops the listeners that did not answer the last ping and pings the others: this finds a listener
   * that vanished without closing (a laptop lid); ws answers pongs by itself. A periodic job.
   */
  ping(): void {
    for (const [endpointId, session] of this.sessions) {
      if (!session.alive) {
        this.log.warn({ endpointId }, 'relay: listener stopped answering pings; dropping it');
        session.socket.terminate();
        continue;
      }
      session.alive = false;
      session.socket.ping();
    }
  }

  /** Closes every session (gateway stop): listeners reconnect to the next process. */
  close(): void {
    for (const session of this.sessions.values()) session.socket.close(1012, 'the gateway is restarting');
    this.sessions.clear();
  }
}
