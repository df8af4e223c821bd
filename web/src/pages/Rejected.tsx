import { api, type Page } from '../api.ts';
import { Empty, Panel, Problem } from '../components/ui.tsx';
import { bytes, time } from '../format.ts';
import { useQuery } from '../query.ts';
import { navigate, useLocation } from '../router.ts';

interface Rejection {
  id: string;
  source: string;
  timestamp: string;
  remoteAddress: string | null;
  reason: string;
  explanation: string;
  headers: Record<string, string>;
  bodySize: number;
  bodySha256: string;
  bodyHead: string;
  bodyTruncated: boolean;
}

export function Rejected() {
  const { search } = useLocation();
  const source = search.get('source') ?? '';
  const iterator = search.get('iterator') ?? '';
  const params = new URLSearchParams({ limit: '50', ...(source ? { source } : {}), ...(iterator ? { iterator } : {}) });
  const q = useQuery(`rejected:${params}`, () => api<Page<Rejection>>(`/rejected?${params}`), { refetchMs: 5000 });
  const sources = useQuery('sources', () => api<{ data: Array<{ name: string }> }>('/sources'));

  return (
    <>
      <div class="page-head">
        <h1>Rejected requests</h1>
        <div class="field inline">
          <label for="rej-source">Source</label>
          <select
            id="rej-source"
            value={source}
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              navigate(`/rejected${v ? `?source=${encodeURIComponent(v)}` : ''}`);
            }}
          >
            <option value="">Every source</option>
            {(sources.data?.data ?? []).map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p class="muted">
        Requests that failed verification were answered 401 and not stored as messages. The newest are kept here, a few per second per
        source at most, so a flood of forgeries cannot fill the disk.
      </p>
      <Problem error={q.error} />
      {q.data && q.data.data.length === 0 ? <Empty>No request was rejected{source ? ` on ${source}` : ''}.</Empty> : null}
      <div class="stack">
        {(q.data?.data ?? []).map((r) => (
          <Panel key={r.id} title={`${r.source} · ${time(r.timestamp)}`}>
            <p class="reason" role="note">
              <strong>{r.explanation}</strong>
            </p>
            <dl class="facts">
              <dt>Verifier said</dt>
              <dd class="mono">{r.reason}</dd>
              <dt>From</dt>
              <dd class="mono">{r.remoteAddress ?? '—'}</dd>
              <dt>Body</dt>
              <dd>
                {bytes(r.bodySize)} · sha256 <span class="mono">{r.bodySha256.slice(0, 16)}…</span>
              </dd>
            </dl>
            <details>
              <summary>Headers and body</summary>
              <dl class="facts mono">
                {Object.entries(r.headers).map(([k, v]) => (
                  <>
                    <dt key={`k${k}`}>{k}</dt>
                    <dd key={`v${k}`}>{v}</dd>
                  </>
                ))}
              </dl>
              <pre class="code">
                {r.bodyHead}
                {r.bodyTruncated ? '\n… (first 1 KiB)' : ''}
              </pre>
            </details>
          </Panel>
        ))}
      </div>
      {q.data && !q.data.done && q.data.iterator ? (
        <nav class="pager" aria-label="Pages">
          <button
            type="button"
            onClick={() =>
              navigate(`/rejected?${new URLSearchParams({ ...(source ? { source } : {}), iterator: q.data?.iterator ?? '' })}`)
            }
          >
            Older
          </button>
        </nav>
      ) : null}
    </>
  );
}
