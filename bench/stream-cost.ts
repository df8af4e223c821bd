import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { announceIngest } from '../src/live/announce.ts';
import { LiveBus } from '../src/live/bus.ts';
import type { FlowRow } from '../src/store/console.ts';
import { countEvent } from '../src/live/flow-counter.ts';
import { LiveFeed, type FeedTimers } from '../src/live/feed.ts';

/** What the stream route gives each client (src/http/api/stream.ts). */
const LIMITS = { maxUnsentBytes: 1024 * 1024, maxWaitingEvents: 1_000, flushMs: 50 };

export interface StreamCost {
  /** Events published per round; rounds per arm. */
  events: number;
  rounds: number;
  /** The ingest rate the simulated clock advances at (events per second of simulated time). */
  ratePerSec: number;
  /** CPU µs per event: the bus as ingest always has it (the flow counter only), and with one client added. */
  baselineUs: number;
  consoleUs: number;
  tailUs: number;
  /** Median over the rounds of (with − without), µs per event. */
  consoleAddedUs: number;
  tailAddedUs: number;
  /** Frames and skipped counts the client's socket received in one console round: the feed really wrote. */
  consoleBytesPerRound: number;
}

/** A reader in another process, as a browser is: its CPU is not the gateway's. */
async function remoteReader(): Promise<{ socket: Socket; stop: () => Promise<void> }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const child = spawn(
    process.execPath,
    ['-e', `require('net').connect(${address.port}, '127.0.0.1').on('data', () => {}).on('close', () => process.exit(0))`],
    { stdio: 'ignore' },
  );
  const [socket] = (await once(server, 'connection')) as [Socket];
  return {
    socket,
    stop: async () => {
      socket.destroy();
      server.close();
      if (child.exitCode === null) {
        child.kill();
        await once(child, 'exit');
      }
    },
  };
}

/**
 * Publishes `events` ingest decisions through the live bus the way the ingest
 * pipeline does (`announceIngest`), with the flow counter subscribed, and
 * returns the CPU µs per event. With `client`, one stream client is attached
 * as the stream route attaches it (`LiveFeed`, writing to a real loopback
 * socket read by another process). The feed's clock is simulated: it advances
 * by 1/`ratePerSec` per event and its flush timers fire when that clock passes
 * them, so the gate lets through and the feed writes what it would at that
 * ingest rate, however fast this loop runs.
 */
async function round(
  events: number,
  ratePerSec: number,
  client: { socket: Socket; perSecond: number | undefined } | undefined,
): Promise<number> {
  const bus = new LiveBus();
  const rows = new Map<string, FlowRow>();
  bus.subscribe((event, extra) => countEvent(rows, event, extra, 0));
  let sim = 1_000_000;
  let due: { at: number; fn: () => void } | undefined;
  const timers: FeedTimers = {
    now: () => sim,
    later: (fn, ms) => {
      const timer = { at: sim + ms, fn };
      due = timer;
      return () => {
        if (due === timer) due = undefined;
      };
    },
  };
  let stopFeed = (): void => undefined;
  if (client) {
    const feed = new LiveFeed(client.socket, {}, client.perSecond, LIMITS, timers);
    bus.subscribe((event) => {
      if (feed.offer(event) === 'too-slow') throw new Error('the reader fell behind');
    });
    const drained = (): void => feed.drained();
    client.socket.on('drain', drained);
    stopFeed = () => {
      feed.close();
      client.socket.off('drain', drained);
    };
  }
  const socket = client?.socket;
  const step = 1000 / ratePerSec;
  const start = process.cpuUsage();
  for (let i = 0; i < events; i++) {
    announceIngest(bus, {
      source: 'bench',
      app: 'app_bench',
      msgId: `msg_${i}`,
      eventType: 'invoice.paid',
      eventId: `evt_${i}`,
      decision: 'accepted',
    });
    sim += step;
    if (due && sim >= due.at) {
      const { fn } = due;
      due = undefined;
      fn();
      // A socket wants draining now and then, as the gateway's does between requests; waiting is not CPU.
      if (socket?.writableNeedDrain) await once(socket, 'drain');
    }
  }
  const used = process.cpuUsage(start);
  stopFeed();
  return (used.user + used.system) / events;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/**
 * What one open console adds to each ingest request, measured alone in this
 * process: the same publishing loop without and with a client, in alternating
 * rounds (after one warm-up round of each), so JIT and a neighbour's load fall
 * on both arms. The console asks for 25 events a second; `sluice tail` for all.
 */
export async function measureStreamCost(opts: { events?: number; rounds?: number; ratePerSec: number }): Promise<StreamCost> {
  const events = opts.events ?? 200_000;
  const rounds = opts.rounds ?? 7;
  const reader = await remoteReader();
  try {
    const consoleClient = { socket: reader.socket, perSecond: 25 };
    const tailClient = { socket: reader.socket, perSecond: undefined };
    await round(events, opts.ratePerSec, undefined);
    await round(events, opts.ratePerSec, consoleClient);
    const without: number[] = [];
    const withConsole: number[] = [];
    const withTail: number[] = [];
    let consoleBytes = 0;
    for (let r = 0; r < rounds; r++) {
      without.push(await round(events, opts.ratePerSec, undefined));
      const before = reader.socket.bytesWritten;
      withConsole.push(await round(events, opts.ratePerSec, consoleClient));
      consoleBytes = reader.socket.bytesWritten - before;
      withTail.push(await round(events, opts.ratePerSec, tailClient));
      // Let the reader drain the tail round before the next round measures.
      while (reader.socket.writableLength > 0) await once(reader.socket, 'drain');
    }
    return {
      events,
      rounds,
      ratePerSec: opts.ratePerSec,
      baselineUs: median(without),
      consoleUs: median(withConsole),
      tailUs: median(withTail),
      consoleAddedUs: median(withConsole.map((w, i) => w - (without[i] ?? 0))),
      tailAddedUs: median(withTail.map((w, i) => w - (without[i] ?? 0))),
      consoleBytesPerRound: consoleBytes,
    };
  } finally {
    await reader.stop();
  }
}
