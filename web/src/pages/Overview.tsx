import { useRef } from 'preact/hooks';
import { api } from '../api.ts';
import { FlowChart, type SeriesPoint } from '../components/Chart.tsx';
import { LiveStreamPanel } from '../components/LiveStream.tsx';
import { Panel, Problem } from '../components/ui.tsx';
import { count, duration } from '../format.ts';
import { useQuery } from '../query.ts';
import { navigate, useLocation } from '../router.ts';

interface Overview {
  window: string;
  counters: { received: number; verified: number; rejected: number; duplicates: number; delivered: number; failed: number };
  avgIngestToDeliveredMs: number | null;
  series: { bucketMs: number; points: SeriesPoint[] };
  queue: { depth: number; pending: number; scheduled: number; inFlight: number; oldestPendingAgeMs: number };
}

const WINDOWS = [
  ['5m', '5 min'],
  ['1h', '1 h'],
  ['24h', '24 h'],
  ['7d', '7 d'],
] as const;
const COUNTERS = [
  ['received', 'Received'],
  ['verified', 'Verified'],
  ['rejected', 'Rejected'],
  ['duplicates', 'Duplicates'],
  ['delivered', 'Delivered'],
  ['failed', 'Failed'],
] as const;

export function Overview() {
  const { search } = useLocation();
  const window = WINDOWS.some(([w]) => w === search.get('window')) ? (search.get('window') as string) : '1h';
  const q = useQuery(`overview:${window}`, () => api<Overview>(`/stats/overview?window=${window}`), { refetchMs: 3000 });
  const last = useRef(0);
  // A live event means the counters will move at the next flush: look again soon, at most once a second.
  const onEvent = () => {
    if (Date.now() - last.current < 1000) return;
    last.current = Date.now();
    setTimeout(q.refetch, 2500);
  };
  const o = q.data;

  return (
    <>
      <div class="page-head">
        <h1>Overview</h1>
        <div role="group" aria-label="Time window" class="segmented">
          {WINDOWS.map(([w, label]) => (
            <button key={w} type="button" aria-pressed={w === window} onClick={() => navigate(`/?window=${w}`, { replace: true })}>
              {label}
            </button>
          ))}
        </div>
      </div>
      <Problem error={q.error} />
      <section aria-label="Counters" class="counters">
        {COUNTERS.map(([key, label]) => (
          <div class={`counter counter-${key}`} key={key} role="group" aria-label={label}>
            <span class="counter-label">{label}</span>
            <span class="counter-value" data-testid={`counter-${key}`}>
              {o ? count(o.counters[key]) : '…'}
            </span>
          </div>
        ))}
        <div class="counter" role="group" aria-label="Ingest to delivered">
          <span class="counter-label">Ingest → delivered (avg)</span>
          <span class="counter-value">{o ? duration(o.avgIngestToDeliveredMs) : '…'}</span>
        </div>
      </section>
      <div class="grid-2">
        <Panel
          title={`Per ${o ? duration(o.series.bucketMs).replace('1 min', 'minute').replace('5 min', '5 minutes').replace('1.0 h', 'hour') : 'minute'}`}
        >
          {o ? <FlowChart points={o.series.points} label="Received, delivered and failed over time" /> : <p class="empty">Loading…</p>}
        </Panel>
        <Panel title="Queue">
          {o ? (
            <dl class="facts">
              <dt>Queue depth</dt>
              <dd data-testid="queue-depth">{count(o.queue.depth)}</dd>
              <dt>Pending</dt>
              <dd>{count(o.queue.pending)}</dd>
              <dt>Scheduled (retrying)</dt>
              <dd>{count(o.queue.scheduled)}</dd>
              <dt>In flight</dt>
              <dd>{count(o.queue.inFlight)}</dd>
              <dt>Oldest pending waiting</dt>
              <dd>{duration(o.queue.oldestPendingAgeMs)}</dd>
            </dl>
          ) : (
            <p class="empty">Loading…</p>
          )}
        </Panel>
      </div>
      <LiveStreamPanel onEvent={onEvent} />
    </>
  );
}
