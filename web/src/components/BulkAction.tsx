import { useEffect, useState } from 'preact/hooks';
import { api, type BulkFilterIn, type BulkJobOut } from '../api.ts';
import { invalidateAll } from '../query.ts';
import { useCanAct } from '../session.ts';
import { Problem } from './ui.tsx';

/** The Messages page's filters, as named in its URL. */
export type ListFilter = Partial<
  Record<'app' | 'source' | 'eventType' | 'state' | 'deliveryState' | 'endpoint' | 'after' | 'before' | 'eventId' | 'q', string>
>;

const RETRYABLE = ['dead', 'scheduled'];

const typesOf = (text: string | undefined): string[] | undefined => {
  const list = (text ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return list.length > 0 ? list : undefined;
};

/**
 * The list filter as a bulk-job filter, or why it cannot be one. A filter the
 * job cannot express exactly (a payload search, an event id) gets no bulk
 * action: running one over a wider set than the list shows would touch items
 * outside the filter.
 */
export function bulkRetryFilter(f: ListFilter): { filter: BulkFilterIn } | { why: string } {
  if (f.q) return { why: 'a bulk retry cannot use the payload search; clear "Payload contains" first' };
  if (f.eventId) return { why: 'a bulk retry cannot use the event id filter; open that message and retry it there' };
  if (f.state && f.state !== 'accepted') return { why: `${f.state} messages have no deliveries to retry` };
  if (f.deliveryState && !RETRYABLE.includes(f.deliveryState))
    return { why: `only dead or scheduled deliveries can be retried (not ${f.deliveryState.replace('_', ' ')})` };
  if (f.endpoint && !f.app) return { why: 'an endpoint filter needs an application for a bulk retry' };
  const filter: BulkFilterIn = { status: [f.deliveryState || 'dead'] };
  if (f.app) filter.app = f.app;
  if (f.endpoint) filter.endpoint = f.endpoint;
  if (f.source) filter.source = f.source;
  const types = typesOf(f.eventType);
  if (types) filter.eventTypes = types;
  if (f.after) filter.since = f.after;
  if (f.before) filter.until = f.before;
  return { filter };
}

type Step =
  | { kind: 'idle' }
  | { kind: 'counting' }
  | { kind: 'confirm'; count: number }
  | { kind: 'running'; job: BulkJobOut }
  | { kind: 'ended'; job: BulkJobOut };

const OPEN = ['queued', 'running'];

function Report({ job }: { job: BulkJobOut }) {
  const not = Object.entries(job.report.notQueued).filter(([, n]) => n > 0);
  return (
    <p role="status" aria-label="Bulk retry report">
      Bulk retry {job.state}: {job.report.queued} {job.report.queued === 1 ? 'delivery' : 'deliveries'} queued for another attempt
      {not.length > 0 ? `; not queued: ${not.map(([why, n]) => `${n} ${why.replace('_', ' ')}`).join(', ')}` : ''}
      {job.report.error ? ` (${job.report.error})` : ''}.
    </p>
  );
}

/**
 * Bulk retry over a filter: counts first (a dry run), runs only after the
 * operator saw the count, then follows the background job to its report, with cancel.
 */
export function BulkRetry({ filter, label = 'Retry all matching' }: { filter: ListFilter; label?: string }) {
  const canAct = useCanAct();
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [error, setError] = useState<Error | undefined>(undefined);
  const key = JSON.stringify(filter);
  useEffect(() => {
    if (step.kind === 'confirm' || step.kind === 'counting') setStep({ kind: 'idle' });
  }, [key]);

  const runningId = step.kind === 'running' ? step.job.id : null;
  useEffect(() => {
    if (runningId === null) return;
    let stopped = false;
    const poll = async () => {
      for (let i = 0; i < 3600 && !stopped; i++) {
        await new Promise((r) => setTimeout(r, 700));
        if (stopped) return;
        try {
          const job = await api<BulkJobOut>(`/bulk-jobs/${encodeURIComponent(runningId)}`);
          if (stopped) return;
          if (!OPEN.includes(job.state)) {
            setStep({ kind: 'ended', job });
            invalidateAll();
            return;
          }
          setStep({ kind: 'running', job });
        } catch (err) {
          setError(err as Error);
        }
      }
    };
    void poll();
    return () => {
      stopped = true;
    };
  }, [runningId]);

  if (!canAct) return null;
  const resolved = bulkRetryFilter(filter);
  if ('why' in resolved) return <p class="muted small-text">No bulk retry: {resolved.why}.</p>;

  const count = async () => {
    setError(undefined);
    setStep({ kind: 'counting' });
    try {
      const out = await api<{ count: number }>('/bulk-jobs', {
        method: 'POST',
        json: { action: 'retry', filter: resolved.filter, dryRun: true },
      });
      setStep({ kind: 'confirm', count: out.count });
    } catch (err) {
      setError(err as Error);
      setStep({ kind: 'idle' });
    }
  };
  const run = async () => {
    setError(undefined);
    try {
      const job = await api<BulkJobOut>('/bulk-jobs', { method: 'POST', json: { action: 'retry', filter: resolved.filter } });
      setStep(OPEN.includes(job.state) ? { kind: 'running', job } : { kind: 'ended', job });
    } catch (err) {
      setError(err as Error);
      setStep({ kind: 'idle' });
    }
  };
  const cancel = async (id: string) => {
    try {
      await api(`/bulk-jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST', json: {} });
    } catch (err) {
      setError(err as Error);
    }
  };

  return (
    <div class="bulk" role="region" aria-label="Bulk retry">
      {step.kind === 'idle' || step.kind === 'ended' ? (
        <button type="button" onClick={count}>
          {label}…
        </button>
      ) : null}
      {step.kind === 'counting' ? <p class="muted">Counting…</p> : null}
      {step.kind === 'confirm' ? (
        step.count === 0 ? (
          <p role="status" aria-label="Bulk retry estimate">
            No {filter.deliveryState || 'dead'} delivery matches this filter.{' '}
            <button type="button" class="small" onClick={() => setStep({ kind: 'idle' })}>
              Close
            </button>
          </p>
        ) : (
          <div class="confirm">
            <p role="status" aria-label="Bulk retry estimate">
              This retries {step.count} {filter.deliveryState || 'dead'} {step.count === 1 ? 'delivery' : 'deliveries'} matching the filter
              {filter.after || filter.before ? ' (the time range applies to when each delivery was made)' : ''}, and nothing else.
            </p>
            <button type="button" class="primary" onClick={run}>
              Retry {step.count} {step.count === 1 ? 'delivery' : 'deliveries'}
            </button>
            <button type="button" onClick={() => setStep({ kind: 'idle' })}>
              Keep them as they are
            </button>
          </div>
        )
      ) : null}
      {step.kind === 'running' ? (
        <div>
          <label for="bulk-progress">
            Bulk retry {step.job.state}: {step.job.done + step.job.failed} of {step.job.total}
          </label>
          <progress id="bulk-progress" max={Math.max(step.job.total, 1)} value={step.job.done + step.job.failed} />
          <button type="button" class="small" onClick={() => cancel(step.job.id)}>
            Cancel job
          </button>
        </div>
      ) : null}
      {step.kind === 'ended' ? <Report job={step.job} /> : null}
      <Problem error={error} />
    </div>
  );
}

/** Revalidate and release an application's quarantined messages (of the filter's event types): a dry run first, then the release. */
export function BulkRelease({ filter }: { filter: ListFilter }) {
  const canAct = useCanAct();
  const [step, setStep] = useState<
    { kind: 'idle' } | { kind: 'confirm'; pass: number; checked: number } | { kind: 'done'; released: number; still: number }
  >({ kind: 'idle' });
  const [error, setError] = useState<Error | undefined>(undefined);
  const key = JSON.stringify(filter);
  useEffect(() => setStep({ kind: 'idle' }), [key]);
  if (!canAct) return null;
  const extra = (['source', 'deliveryState', 'endpoint', 'after', 'before', 'eventId', 'q'] as const).filter((k) => filter[k]);
  if (!filter.app)
    return (
      <p class="muted small-text">No bulk release: choose an application (a release revalidates against that application's schemas).</p>
    );
  if (extra.length > 0)
    return (
      <p class="muted small-text">No bulk release: a release can narrow only by application and event type (clear {extra.join(', ')}).</p>
    );
  const types = typesOf(filter.eventType);
  const body = (dryRun: boolean) => ({ ...(types ? { eventTypes: types } : {}), dryRun });
  type Out = { checked: number; released: Array<{ id: string }>; stillInvalid: unknown[] };
  const path = `/app/${encodeURIComponent(filter.app)}/quarantine/release`;
  const count = async () => {
    setError(undefined);
    try {
      const out = await api<Out>(path, { method: 'POST', json: body(true) });
      setStep({ kind: 'confirm', pass: out.released.length, checked: out.checked });
    } catch (err) {
      setError(err as Error);
    }
  };
  const run = async () => {
    setError(undefined);
    try {
      const out = await api<Out>(path, { method: 'POST', json: body(false) });
      setStep({ kind: 'done', released: out.released.length, still: out.stillInvalid.length });
      invalidateAll();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <div class="bulk" role="region" aria-label="Bulk release">
      {step.kind !== 'confirm' ? (
        <button type="button" onClick={count}>
          Revalidate and release all matching…
        </button>
      ) : null}
      {step.kind === 'confirm' ? (
        <div class="confirm">
          <p role="status" aria-label="Bulk release estimate">
            {step.pass} of {step.checked} quarantined {step.checked === 1 ? 'message passes' : 'messages pass'} the schemas as they are now
            and would be released.
          </p>
          {step.pass > 0 ? (
            <button type="button" class="primary" onClick={run}>
              Release {step.pass} {step.pass === 1 ? 'message' : 'messages'}
            </button>
          ) : null}
          <button type="button" onClick={() => setStep({ kind: 'idle' })}>
            Keep them as they are
          </button>
        </div>
      ) : null}
      {step.kind === 'done' ? (
        <p role="status" aria-label="Bulk release report">
          Released {step.released}; {step.still} still invalid.
        </p>
      ) : null}
      <Problem error={error} />
    </div>
  );
}
