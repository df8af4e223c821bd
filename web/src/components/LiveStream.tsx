import { useEffect, useRef, useState } from 'preact/hooks';
import { linkProps } from '../router.ts';
import { Badge } from './ui.tsx';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'failed';

/** `event: ingest` / `event: attempt` of GET /api/v1/stream (docs/api.md). */
export type LiveEvent =
  | {
      type: 'ingest';
      at: string;
      source: string;
      app: string;
      msgId: string | null;
      eventType: string | null;
      eventId: string | null;
      decision: string;
      reason?: string;
    }
  | {
      type: 'attempt';
      at: string;
      app: string;
      endpointId: string;
      msgId: string;
      deliveryId: string;
      eventType: string | null;
      status: number | null;
      outcome: string;
      durationMs: number;
      error?: string;
    };

const KEEP = 100;
/**
 * The stream is asked for at most this many events a second; the server counts the rest in `skipped` frames.
 * Nobody reads faster, and rendering thousands a second would take CPU from the browser and the gateway alike.
 */
export const SHOWN_PER_SECOND = 25;

/** Opens the stream; EventSource reconnects by itself, and a refused stream (signed out) is `failed` with a retry. */
export function useLiveStream(query: string, onEvent?: (e: LiveEvent) => void) {
  const [state, setState] = useState<StreamState>('connecting');
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [skipped, setSkipped] = useState(0);
  const [attempt, setAttempt] = useState(0);
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  useEffect(() => {
    setState('connecting');
    const params = new URLSearchParams(query);
    params.set('maxPerSecond', String(SHOWN_PER_SECOND));
    const source = new EventSource(`/api/v1/stream?${params}`, { withCredentials: true });
    const take = (msg: MessageEvent) => {
      const event = JSON.parse(msg.data as string) as LiveEvent;
      setEvents((list) => [event, ...list].slice(0, KEEP));
      onEventRef.current?.(event);
    };
    source.addEventListener('ingest', take);
    source.addEventListener('attempt', take);
    source.addEventListener('skipped', (msg: MessageEvent) => {
      const { count } = JSON.parse(msg.data as string) as { count: number };
      setSkipped((n) => n + count);
    });
    source.onopen = () => setState('live');
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'failed' : 'reconnecting');
    return () => source.close();
  }, [query, attempt]);

  return {
    state,
    events,
    skipped,
    retry: () => setAttempt((n) => n + 1),
    clear: () => {
      setEvents([]);
      setSkipped(0);
    },
  };
}

const STATE_TEXT: Record<StreamState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  failed: 'Disconnected',
};

export function LiveStreamPanel({ query = '', onEvent }: { query?: string; onEvent?: (e: LiveEvent) => void }) {
  const { state, events, skipped, retry, clear } = useLiveStream(query, onEvent);
  return (
    <section class="panel" aria-labelledby="live-title">
      <header class="panel-head">
        <h2 id="live-title">Live stream</h2>
        <span class={`stream-state stream-${state}`} role="status" aria-label={`Stream ${STATE_TEXT[state]}`}>
          <span class="dot" aria-hidden="true" />
          {STATE_TEXT[state]}
        </span>
        {state === 'failed' ? (
          <button type="button" class="small" onClick={retry}>
            Reconnect
          </button>
        ) : null}
        <button type="button" class="small" onClick={clear}>
          Clear
        </button>
      </header>
      {skipped > 0 ? (
        <p class="muted" role="note">
          Busy: {skipped.toLocaleString()} more events arrived than the {SHOWN_PER_SECOND} a second shown here. The Messages list has every
          one.
        </p>
      ) : null}
      {events.length === 0 ? (
        <p class="empty">Waiting for events. Send a webhook to a source and it shows up here.</p>
      ) : (
        <ul class="stream" aria-label="Live events">
          {events.map((e, i) => (
            <li key={`${e.at}-${i}`} class="stream-row">
              <time dateTime={e.at}>{new Date(e.at).toLocaleTimeString()}</time>
              {e.type === 'ingest' ? (
                <>
                  <Badge value={e.decision} />
                  {e.source ? <span class="mono">{e.source}</span> : <span class="muted">API</span>}
                  <span>{e.eventType ?? '(no type)'}</span>
                  {e.msgId ? (
                    <a class="mono" {...linkProps(`/messages/${e.msgId}`)}>
                      {e.msgId}
                    </a>
                  ) : (
                    <span class="muted">{e.reason}</span>
                  )}
                </>
              ) : (
                <>
                  <Badge value={e.outcome} />
                  <span class="mono">{e.status ?? 'no response'}</span>
                  <span>{e.eventType ?? '(no type)'}</span>
                  <a class="mono" {...linkProps(`/messages/${e.msgId}`)}>
                    {e.msgId}
                  </a>
                  <span class="muted">
                    {e.durationMs} ms{e.error ? ` · ${e.error}` : ''}
                  </span>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
