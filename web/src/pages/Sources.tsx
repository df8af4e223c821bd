import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import { TransformationRow, TransformationToggle } from '../components/TransformationEditor.tsx';
import { CopyButton, Empty, Problem } from '../components/ui.tsx';
import { ago, count } from '../format.ts';
import { useQuery } from '../query.ts';
import { linkProps } from '../router.ts';
import { useCanAct } from '../session.ts';

interface Source {
  name: string;
  provider: string;
  application: string;
  path: string;
  last24h: { received: number; verified: number; rejected: number; duplicates: number; delivered: number; failed: number };
  lastReceivedAt: string | null;
  lastRejectedAt: string | null;
}

function TestEvent({ source }: { source: string }) {
  const [note, setNote] = useState<string | null>(null);
  const [msgId, setMsgId] = useState<string | null>(null);
  const send = async () => {
    setNote('Sending…');
    setMsgId(null);
    try {
      const r = await api<{ status: number; event: string; msgId?: string }>(`/source/${encodeURIComponent(source)}/test-event`, {
        method: 'POST',
        json: {},
      });
      setNote(`${r.event}: ingest answered ${r.status}`);
      setMsgId(r.msgId ?? null);
    } catch (err) {
      setNote(err instanceof ApiError && err.status === 404 ? 'Test events are not available on this gateway yet' : (err as Error).message);
    }
  };
  return (
    <span class="action">
      <button type="button" onClick={send}>
        Send test event
      </button>
      {note ? (
        <span class="muted" role="status" aria-label={`Test event to ${source}`}>
          {note}
          {msgId ? (
            <>
              {' '}
              ·{' '}
              <a class="mono" {...linkProps(`/messages/${msgId}`)}>
                {msgId}
              </a>
            </>
          ) : null}
        </span>
      ) : null}
    </span>
  );
}

/** A source's row, and under it its transformation when asked for. */
function SourceRow({ s, canAct }: { s: Source; canAct: boolean }) {
  const [transforming, setTransforming] = useState(false);
  const url = `${location.origin}${s.path}`;
  const detailId = `transformation-row-${s.name}`;
  return (
    <>
      <tr>
        <td>
          <strong>{s.name}</strong>
          <div class="muted">
            {s.provider} → {s.application}
          </div>
        </td>
        <td>
          <span class="mono">{url}</span> <CopyButton label={`Copy ingest URL of ${s.name}`} text={url} />
        </td>
        <td>
          <a {...linkProps(`/messages?source=${encodeURIComponent(s.name)}`)}>{count(s.last24h.received)}</a>
        </td>
        <td>
          {s.last24h.rejected > 0 || s.lastRejectedAt ? (
            <a {...linkProps(`/rejected?source=${encodeURIComponent(s.name)}`)}>{count(s.last24h.rejected)}</a>
          ) : (
            '0'
          )}
        </td>
        <td>{ago(s.lastReceivedAt)}</td>
        <td>
          <div class="actions">
            {canAct ? <TestEvent source={s.name} /> : null}
            <TransformationToggle open={transforming} onToggle={() => setTransforming(!transforming)} controls={detailId} />
          </div>
        </td>
      </tr>
      {transforming ? (
        <TransformationRow
          id={detailId}
          colSpan={6}
          call={api}
          path={`/source/${encodeURIComponent(s.name)}`}
          canEdit={canAct}
          sample={{ eventType: null, payload: {} }}
          runsAt="ingest"
          title={`Transformation of ${s.name}`}
        />
      ) : null}
    </>
  );
}

export function Sources() {
  const canAct = useCanAct();
  const q = useQuery('sources', () => api<{ data: Source[] }>('/sources'), { refetchMs: 5000 });
  return (
    <>
      <div class="page-head">
        <h1>Sources</h1>
      </div>
      <Problem error={q.error} />
      {q.data && q.data.data.length === 0 ? (
        <Empty>
          No source is configured. Add one under <code>sources:</code> in the YAML.
        </Empty>
      ) : null}
      <div class="table-wrap">
        <table>
          <caption class="sr-only">Sources and their last 24 hours</caption>
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Ingest URL</th>
              <th scope="col">Received (24 h)</th>
              <th scope="col">Rejected (24 h)</th>
              <th scope="col">Last received</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(q.data?.data ?? []).map((s) => (
              <SourceRow key={s.name} s={s} canAct={canAct} />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
