import { useState } from 'preact/hooks';
import { api, rawPayload, type AttemptOut, type DeliveryOut, type MessageDetail, type Page } from '../api.ts';
import { Badge, CopyButton, Note, Panel, Problem } from '../components/ui.tsx';
import { bytes, curlOf, duration, time } from '../format.ts';
import { invalidateAll, useQuery } from '../query.ts';
import { useCanAct } from '../session.ts';

function pretty(payload: unknown, raw: string): string {
  if (typeof payload === 'string') return raw;
  try {
    return JSON.stringify(payload, null, 2);
  } catch {
    return raw;
  }
}

function Action({ label, run, confirmText }: { label: string; run: () => Promise<string>; confirmText?: string }) {
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const go = async () => {
    if (confirmText && !window.confirm(confirmText)) return;
    setBusy(true);
    try {
      setNote(await run());
      invalidateAll();
      setTimeout(invalidateAll, 1500);
    } catch (err) {
      setNote((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button type="button" onClick={go} disabled={busy}>
        {label}
      </button>
      <Note text={note} />
    </span>
  );
}

/** Header pairs as a definition list; a redacted value says so instead of showing a blank. */
function HeaderList({ pairs, label }: { pairs: Array<[string, string]>; label: string }) {
  return (
    <dl class="facts mono headers" aria-label={label}>
      {pairs.map(([k, v], i) => (
        <>
          <dt key={`k${i}`}>{k}</dt>
          <dd key={`v${i}`} class={v === '[redacted]' ? 'muted' : undefined}>
            {v === '[redacted]' ? '[redacted: not stored]' : v}
          </dd>
        </>
      ))}
    </dl>
  );
}

function Timeline({ attempts }: { attempts: AttemptOut[] }) {
  if (attempts.length === 0) return <p class="empty">No attempt yet.</p>;
  return (
    <ol class="timeline" aria-label="Attempts">
      {attempts.map((a) => (
        <li key={a.id} class={a.status === 0 ? 'ok' : 'bad'}>
          <div class="timeline-head">
            <Badge value={a.status === 0 ? 'succeeded' : 'failed'} />
            <time dateTime={a.timestamp}>{time(a.timestamp)}</time>
            <span>{a.triggerType === 1 ? 'manual' : 'scheduled'}</span>
            <span class="mono">{a.responseStatusCode || 'no response'}</span>
            <span>{duration(a.responseDurationMs)}</span>
          </div>
          {a.error ? <p class="problem-text">{a.error}</p> : null}
          {a.sentHeaders ? (
            <details>
              <summary>Request headers sent</summary>
              <HeaderList pairs={Object.entries(a.sentHeaders)} label="Request headers sent" />
              {a.sensitive.length > 0 ? (
                <p class="muted small-text">Values of {a.sensitive.join(', ')} are credentials and were not stored.</p>
              ) : null}
            </details>
          ) : null}
          {a.responseHeaders && a.responseHeaders.length > 0 ? (
            <details>
              <summary>Response headers</summary>
              <HeaderList pairs={a.responseHeaders} label="Response headers" />
            </details>
          ) : null}
          {a.response ? (
            <details>
              <summary>Response body</summary>
              <pre class="code">{a.response}</pre>
            </details>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

function Delivery({
  d,
  attempts,
  appId,
  msgId,
  canAct,
}: {
  d: DeliveryOut;
  attempts: AttemptOut[];
  appId: string;
  msgId: string;
  canAct: boolean;
}) {
  return (
    <article class="delivery" aria-label={`Delivery to ${d.url}`}>
      <header class="delivery-head">
        <Badge value={d.state} />
        <span class="mono">{d.url}</span>
        <span class="muted">{d.uid ?? d.id}</span>
        <span class="muted">
          {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
        </span>
        {d.nextAttempt ? <span class="muted">next {time(d.nextAttempt)}</span> : null}
        {canAct ? (
          <Action
            label="Retry"
            run={async () => {
              const r = await api<{ queued: number }>(`/app/${appId}/msg/${msgId}/endpoint/${d.id}/resend`, { method: 'POST' });
              return r.queued > 0 ? 'Retry queued' : 'Already queued';
            }}
          />
        ) : null}
      </header>
      {d.lastError ? <p class="problem-text">Last error: {d.lastError}</p> : null}
      <Timeline attempts={attempts} />
    </article>
  );
}

export function MessagePage({ id }: { id: string }) {
  const canAct = useCanAct();
  const m = useQuery(`msg:${id}`, () => api<MessageDetail>(`/messages/${encodeURIComponent(id)}`));
  const appId = m.data?.appId;
  const raw = useQuery(`raw:${id}`, () => rawPayload(id), { enabled: m.data !== undefined && m.data.size !== null });
  const deliveries = useQuery(`dlv:${id}:${appId}`, () => api<Page<DeliveryOut>>(`/app/${appId}/msg/${id}/endpoint`), {
    enabled: appId !== undefined,
    refetchMs: 3000,
  });
  const attempts = useQuery(`att:${id}:${appId}`, () => api<Page<AttemptOut>>(`/app/${appId}/attempt/msg/${id}?limit=250`), {
    enabled: appId !== undefined,
    refetchMs: 3000,
  });
  const [view, setView] = useState<'pretty' | 'raw'>('pretty');
  const [replayTo, setReplayTo] = useState('');

  if (m.error) return <Problem error={m.error} />;
  const msg = m.data;
  if (!msg) return <p class="empty">Loading…</p>;
  const rawText = raw.data?.text ?? '';
  const firstUrl = deliveries.data?.data[0]?.url ?? 'http://localhost:3000/webhook';
  const byEndpoint = (ep: string) =>
    (attempts.data?.data ?? []).filter((a) => a.endpointId === ep).sort((a, b) => a.timestamp.localeCompare(b.timestamp));

  return (
    <>
      <div class="page-head">
        <h1>
          Message <span class="mono">{msg.id}</span>
        </h1>
        <Badge value={msg.state} />
      </div>
      <div class="grid-2">
        <Panel title="Metadata">
          <dl class="facts">
            <dt>Application</dt>
            <dd>{msg.appName ?? msg.appUid ?? msg.appId}</dd>
            <dt>Source</dt>
            <dd>{msg.source ?? 'API'}</dd>
            <dt>Event type</dt>
            <dd>{msg.eventType ?? '—'}</dd>
            <dt>Provider event id</dt>
            <dd class="mono">{msg.eventId ?? '—'}</dd>
            <dt>Ordering key</dt>
            <dd class="mono">{msg.orderingKey ?? '—'}</dd>
            <dt>Sequence</dt>
            <dd>{msg.sequence ?? '—'}</dd>
            <dt>Received</dt>
            <dd>{time(msg.timestamp)}</dd>
            <dt>Content type</dt>
            <dd class="mono">{msg.contentType ?? '—'}</dd>
            <dt>Size</dt>
            <dd>{bytes(msg.size)}</dd>
            {msg.error ? (
              <>
                <dt>Why invalid</dt>
                <dd class="problem-text">{msg.error}</dd>
              </>
            ) : null}
          </dl>
          {msg.validationErrors && msg.validationErrors.length > 0 ? (
            <ul class="issues" aria-label="Validation errors">
              {msg.validationErrors.map((v, i) => (
                <li key={i}>
                  <span class="mono">{v.path || '/'}</span> {v.message}
                </li>
              ))}
            </ul>
          ) : null}
        </Panel>
        <Panel title="Headers">
          {Object.keys(msg.headers).length === 0 ? (
            <p class="empty">No header was kept with this message.</p>
          ) : (
            <dl class="facts mono">
              {Object.entries(msg.headers).map(([k, v]) => (
                <>
                  <dt key={`k${k}`}>{k}</dt>
                  <dd key={`v${k}`}>{v}</dd>
                </>
              ))}
            </dl>
          )}
        </Panel>
      </div>
      <Panel
        title="Payload"
        actions={
          <div class="actions">
            <div role="group" aria-label="Payload view" class="segmented">
              <button type="button" aria-pressed={view === 'pretty'} onClick={() => setView('pretty')}>
                Pretty
              </button>
              <button type="button" aria-pressed={view === 'raw'} onClick={() => setView('raw')}>
                Raw
              </button>
            </div>
            <CopyButton label="Copy payload" text={() => rawText} />
            <CopyButton label="Copy as curl" text={() => curlOf(firstUrl, msg.contentType, msg.headers, rawText)} />
          </div>
        }
      >
        {msg.size === null ? (
          <p class="empty">The payload was removed by retention.</p>
        ) : (
          <pre class="code" aria-label={view === 'pretty' ? 'Payload, pretty-printed' : 'Payload, raw bytes'} tabIndex={0}>
            {view === 'pretty' ? pretty(msg.payload, rawText) : rawText}
          </pre>
        )}
      </Panel>
      <Panel
        title="Deliveries"
        actions={
          canAct ? (
            <div class="actions">
              {msg.state === 'invalid' ? (
                <Action
                  label="Release"
                  confirmText="Validate this message again and deliver it if it passes?"
                  run={async () => {
                    const r = await api<{
                      released: Array<{ id: string; deliveries: number }>;
                      stillInvalid: Array<{ id: string; errors: Array<{ message: string }> }>;
                    }>(`/app/${msg.appId}/quarantine/release`, { method: 'POST', json: { messageIds: [msg.id] } });
                    const done = r.released.find((x) => x.id === msg.id);
                    if (done) return `Released: ${done.deliveries} deliver${done.deliveries === 1 ? 'y' : 'ies'} queued`;
                    return `Still invalid: ${r.stillInvalid[0]?.errors.map((e) => e.message).join('; ') ?? 'not in quarantine'}`;
                  }}
                />
              ) : (
                <>
                  <label for="replay-to" class="sr-only">
                    Replay to
                  </label>
                  <select id="replay-to" value={replayTo} onChange={(e) => setReplayTo((e.target as HTMLSelectElement).value)}>
                    <option value="">every matching endpoint</option>
                    {(deliveries.data?.data ?? []).map((d) => (
                      <option key={d.id} value={d.id}>
                        {d.uid ?? d.url}
                      </option>
                    ))}
                  </select>
                  <Action
                    label="Replay"
                    run={async () => {
                      const r = await api<{ queued: number }>(`/app/${msg.appId}/msg/${msg.id}/replay`, {
                        method: 'POST',
                        json: replayTo ? { endpointId: replayTo } : {},
                      });
                      return `${r.queued} deliver${r.queued === 1 ? 'y' : 'ies'} queued`;
                    }}
                  />
                </>
              )}
            </div>
          ) : null
        }
      >
        <Problem error={deliveries.error ?? attempts.error} />
        {(deliveries.data?.data ?? []).length === 0 ? (
          <p class="empty">{msg.state === 'accepted' ? 'No endpoint matched this message.' : 'Not delivered while invalid.'}</p>
        ) : null}
        {(deliveries.data?.data ?? []).map((d) => (
          <Delivery key={d.deliveryId} d={d} attempts={byEndpoint(d.id)} appId={msg.appId} msgId={msg.id} canAct={canAct} />
        ))}
      </Panel>
    </>
  );
}
