import { ApiClient, CliError, describeFetchError, runClient, UsageError, type ClientFlags } from './client.ts';
import type { LiveEvent } from '../live/events.ts';
import { clock, statusColour, type Output } from './output.ts';

export interface TailFlags extends ClientFlags {
  app?: string;
  source?: string;
  endpoint?: string;
  events?: string;
}

/** The stream's events (`GET /api/v1/stream`): the same contract the gateway publishes and the console reads. */
type StreamEvent = LiveEvent;

const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000];

/**
 * `sluice tail`: the live stream of ingest decisions and attempt outcomes of a
 * running gateway (the console's stream), one line each, reconnecting with
 * backoff when the connection drops. `--events` filters by message event
 * type (as `listen --events` does); the stream itself filters app, source and
 * endpoint.
 */
export function tail(flags: TailFlags): Promise<number> {
  return runClient(flags, async (out) => {
    const client = ApiClient.from(flags);
    if (client.token === undefined) throw new UsageError('no API token: pass --token, set SLUICE_TOKEN, or run sluice login');
    const types = flags.events
      ?.split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const query = new URLSearchParams();
    if (flags.app) query.set('app', flags.app);
    if (flags.source) query.set('source', flags.source);
    if (flags.endpoint) query.set('endpoint', flags.endpoint);
    const url = `${client.server}/api/v1/stream${query.size ? `?${query}` : ''}`;
    const abort = new AbortController();
    let stopping = false;
    const stop = (): void => {
      stopping = true;
      abort.abort();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    let failures = 0;
    let everConnected = false;
    try {
      while (!stopping) {
        let why: string;
        try {
          const res = await fetch(url, {
            headers: { authorization: `Bearer ${client.token}`, accept: 'text/event-stream' },
            signal: abort.signal,
          });
          if (res.status !== 200) {
            const text = await res.text();
            let detail = text;
            try {
              detail = (JSON.parse(text) as { detail?: string }).detail ?? text;
            } catch {
              // Not JSON.
            }
            // Wrong token, unknown application: no retry fixes it.
            if (res.status >= 400 && res.status < 500) throw new CliError(`GET /api/v1/stream: ${res.status} ${detail}`);
            why = `the gateway answered ${res.status}`;
          } else {
            failures = 0;
            out.note(everConnected ? out.paint('green', 'reconnected') : `Tailing ${client.server} (^C to quit)`);
            everConnected = true;
            await readStream(res, (event) => {
              if (types && !(event.eventType !== null && types.includes(event.eventType))) return;
              out.emit(line(out, event), event);
            });
            why = 'connection lost';
          }
        } catch (err) {
          if (stopping) break;
          if (err instanceof CliError) throw err;
          why = everConnected
            ? `connection lost (${describeFetchError(err)})`
            : `could not connect to ${client.server}: ${describeFetchError(err)}`;
        }
        if (stopping) break;
        const wait = BACKOFF_MS[Math.min(failures++, BACKOFF_MS.length - 1)] as number;
        out.note(out.paint('yellow', `${why}, reconnecting in ${wait / 1000} s …`));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          abort.signal.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              resolve();
            },
            { once: true },
          );
        });
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return 0;
  });
}

/** Reads Server-Sent Events until the stream ends; calls `onEvent` for each `ingest` / `attempt` event. */
async function readStream(res: Response, onEvent: (e: StreamEvent) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      if (!data) continue;
      try {
        const event = JSON.parse(data) as StreamEvent;
        if (event.type === 'ingest' || event.type === 'attempt') onEvent(event);
      } catch {
        // A frame that is not JSON: skipped.
      }
    }
  }
}

function line(out: Output, e: StreamEvent): string {
  const at = clock(Date.parse(e.at));
  const type = e.eventType ?? '(no type)';
  if (e.type === 'ingest') {
    const colour = e.decision === 'accepted' ? 'green' : e.decision === 'duplicate' ? 'gray' : 'red';
    return `${at}  ingest   ${e.source}  ${type}  ${out.paint(colour, e.decision)}${e.reason ? ` (${e.reason})` : ''}${e.msgId ? ` [${e.msgId}]` : ''}`;
  }
  const status = e.status === null ? '[ERR]' : `[${e.status}]`;
  return `${at}  attempt  ${out.paint(statusColour(e.status), status)} ${e.endpointId}  ${type}  ${e.outcome} (${e.durationMs} ms)${e.error ? ` ${e.error}` : ''} [${e.msgId}]`;
}
