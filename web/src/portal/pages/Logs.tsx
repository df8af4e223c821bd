import { Fragment } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { Badge, Empty, Panel, Problem } from '../../components/ui.tsx';
import { invalidateAll, useQuery } from '../../query.ts';
import { ATTEMPT_STATUS, papi, type AttemptOut, type EndpointOut, type EventTypeOut, type ListPage, type MessageOut } from '../api.ts';
import { linkProps, navigate, useLocation } from '../router.ts';
import { useAppPath, useCan } from '../session.ts';

const PRESETS = [
  ['1h', 'Last hour', 3_600_000],
  ['24h', 'Last 24 hours', 86_400_000],
  ['7d', 'Last 7 days', 7 * 86_400_000],
] as const;

/** `after`/`before` of the chosen preset (or custom range) as ISO times; none for "any time". */
function windowOf(search: URLSearchParams): { after?: string; before?: string } {
  const preset = PRESETS.find(([k]) => k === search.get('range'));
  if (preset) return { after: new Date(Date.now() - preset[2]).toISOString() };
  if (search.get('range') === 'custom') {
    const from = search.get('from');
    const to = search.get('to');
    return { ...(from ? { after: new Date(from).toISOString() } : {}), ...(to ? { before: new Date(to).toISOString() } : {}) };
  }
  return {};
}

function setParam(search: URLSearchParams, changes: Record<string, string | null>): void {
  const next = new URLSearchParams(search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === '') next.delete(k);
    else next.set(k, v);
  }
  for (const k of ['app', 'darkMode', 'hideNavigation']) next.delete(k);
  const q = next.toString();
  navigate(`/logs${q ? `?${q}` : ''}`, { replace: true });
}

function Recover({ appPath, appId, endpointId }: { appPath: string; appId: string; endpointId: string }) {
  const [since, setSince] = useState(() => new Date(Date.now() - 86_400_000).toISOString().slice(0, 16));
  const [count, setCount] = useState<number | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [problem, setProblem] = useState<Error | undefined>(undefined);
  const sinceIso = () => new Date(since).toISOString();
  const check = async () => {
    setProblem(undefined);
    setDone(null);
    try {
      const r = await papi<{ count: number }>('/bulk-jobs', {
        method: 'POST',
        json: { action: 'retry', dryRun: true, filter: { app: appId, endpoint: endpointId, status: ['dead'], since: sinceIso() } },
      });
      setCount(r.count);
    } catch (err) {
      setProblem(err as Error);
    }
  };
  const recover = async () => {
    try {
      await papi(`${appPath}/endpoint/${encodeURIComponent(endpointId)}/recover`, { method: 'POST', json: { since: sinceIso() } });
      setDone(`Recovery started: ${count} failed ${count === 1 ? 'delivery is' : 'deliveries are'} being sent again.`);
      setCount(null);
      invalidateAll();
    } catch (err) {
      setProblem(err as Error);
    }
  };
  return (
    <Panel title="Recover failed deliveries">
      <div class="actions">
        <label class="field inline">
          <span>Failed since</span>
          <input
            type="datetime-local"
            value={since}
            onInput={(e) => {
              setSince((e.target as HTMLInputElement).value);
              setCount(null);
            }}
          />
        </label>
        <button type="button" onClick={check}>
          Count failed deliveries
        </button>
        {count !== null &&
          (count === 0 ? (
            <span role="status">No failed delivery to recover since then.</span>
          ) : (
            <>
              <span role="status">
                {count} failed {count === 1 ? 'delivery' : 'deliveries'} since then.
              </span>
              <button type="button" class="primary" onClick={recover}>
                Recover {count}
              </button>
            </>
          ))}
      </div>
      {done && (
        <p class="note" role="status">
          {done}
        </p>
      )}
      <Problem error={problem} />
    </Panel>
  );
}

export function Logs() {
  const appPath = useAppPath();
  const { search } = useLocation();
  const canAttempt = useCan('CreateAttempts');
  const eventType = search.get('eventType') ?? '';
  const endpointId = search.get('endpoint') ?? '';
  const status = search.get('status') ?? '';
  const range = search.get('range') ?? '24h';
  const from = search.get('from') ?? '';
  const to = search.get('to') ?? '';
  // Anchored when the filter changes, not at every render: a window that moved each render would refetch forever.
  const win = useMemo(() => windowOf(new URLSearchParams({ range, from, to })), [range, from, to]);
  const q = new URLSearchParams({
    limit: '50',
    ...(eventType ? { event_types: eventType } : {}),
    ...(win.after ? { after: win.after } : {}),
    ...(win.before ? { before: win.before } : {}),
  });
  const catalog = useQuery('catalog', () => papi<ListPage<EventTypeOut>>('/event-type?limit=250&with_content=false'));
  const endpoints = useQuery(`endpoints:${appPath}`, () => papi<ListPage<EndpointOut>>(`${appPath}/endpoint?limit=250`));
  const key = `${appPath}|${q}|${endpointId}|${status}`;
  const messages = useQuery(`msgs:${key}`, () => papi<ListPage<MessageOut>>(`${appPath}/msg?${q}&with_content=false`), {
    refetchMs: 5_000,
    enabled: !endpointId,
  });
  const attempts = useQuery(
    `attempts:${key}`,
    () =>
      papi<ListPage<AttemptOut>>(
        `${appPath}/attempt/endpoint/${encodeURIComponent(endpointId)}?${q}${status ? `&status=${status}` : ''}&with_content=false`,
      ),
    { refetchMs: 5_000, enabled: endpointId !== '' },
  );
  const appId = appPath.slice('/app/'.length);

  return (
    <>
      <div class="page-head">
        <h1>Logs</h1>
      </div>
      <div class="filters" role="group" aria-label="Filters">
        <label class="field">
          <span>Event type</span>
          <select value={eventType} onChange={(e) => setParam(search, { eventType: (e.target as HTMLSelectElement).value })}>
            <option value="">All event types</option>
            {(catalog.data?.data ?? []).map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Endpoint</span>
          <select value={endpointId} onChange={(e) => setParam(search, { endpoint: (e.target as HTMLSelectElement).value, status: null })}>
            <option value="">Messages (all endpoints)</option>
            {(endpoints.data?.data ?? []).map((ep) => (
              <option key={ep.id} value={ep.id}>
                {ep.url}
              </option>
            ))}
          </select>
        </label>
        {endpointId && (
          <label class="field">
            <span>Status</span>
            <select value={status} onChange={(e) => setParam(search, { status: (e.target as HTMLSelectElement).value })}>
              <option value="">Any status</option>
              <option value="0">Succeeded</option>
              <option value="2">Failed</option>
            </select>
          </label>
        )}
        <div class="field">
          <span>Date</span>
          <div class="segmented" role="group" aria-label="Date range">
            {PRESETS.map(([k, label]) => (
              <button key={k} type="button" aria-pressed={range === k} onClick={() => setParam(search, { range: k })}>
                {label}
              </button>
            ))}
            <button type="button" aria-pressed={range === 'custom'} onClick={() => setParam(search, { range: 'custom' })}>
              Custom range
            </button>
          </div>
        </div>
        {range === 'custom' && (
          <>
            <label class="field">
              <span>From</span>
              <input
                type="datetime-local"
                value={search.get('from') ?? ''}
                onInput={(e) => setParam(search, { from: (e.target as HTMLInputElement).value })}
              />
            </label>
            <label class="field">
              <span>To</span>
              <input
                type="datetime-local"
                value={search.get('to') ?? ''}
                onInput={(e) => setParam(search, { to: (e.target as HTMLInputElement).value })}
              />
            </label>
          </>
        )}
      </div>
      {endpointId && canAttempt && <Recover appPath={appPath} appId={appId} endpointId={endpointId} />}
      {!endpointId && (
        <Panel title="Messages">
          <Problem error={messages.error} />
          {messages.data && messages.data.data.length === 0 && <Empty>No message in this range.</Empty>}
          {messages.data && messages.data.data.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th scope="col">Event type</th>
                  <th scope="col">Message</th>
                  <th scope="col">Time</th>
                </tr>
              </thead>
              <tbody>
                {messages.data.data.map((m) => (
                  <tr key={m.id}>
                    <td class="mono">{m.eventType ?? '—'}</td>
                    <td>
                      <a class="mono" {...linkProps(`/logs/${encodeURIComponent(m.id)}`)}>
                        {m.eventId ?? m.id}
                      </a>
                    </td>
                    <td>{new Date(m.timestamp).toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
      )}
      {endpointId && (
        <Panel title="Attempts">
          <Problem error={attempts.error} />
          <AttemptTable attempts={attempts.data?.data} />
        </Panel>
      )}
    </>
  );
}

function AttemptTable({ attempts, onResend }: { attempts: AttemptOut[] | undefined; onResend?: (a: AttemptOut) => void }) {
  if (!attempts) return null;
  if (attempts.length === 0) return <Empty>No attempt yet.</Empty>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Status</th>
          <th scope="col">Response</th>
          <th scope="col">Duration</th>
          <th scope="col">Time</th>
          {onResend && (
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {attempts.map((a) => (
          <tr key={a.id}>
            <td>
              <Badge value={ATTEMPT_STATUS[a.status] ?? String(a.status)} />
            </td>
            <td>
              <a {...linkProps(`/logs/${encodeURIComponent(a.msgId)}/${encodeURIComponent(a.id)}`)}>
                {a.responseStatusCode || 'no response'}
              </a>
            </td>
            <td>{a.responseDurationMs} ms</td>
            <td>{new Date(a.timestamp).toLocaleString()}</td>
            {onResend && (
              <td>
                <button type="button" class="small" onClick={() => onResend(a)}>
                  Resend
                </button>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function MessageLog({ msgId }: { msgId: string }) {
  const appPath = useAppPath();
  const canAttempt = useCan('CreateAttempts');
  const message = useQuery(`msg:${msgId}`, () => papi<MessageOut>(`${appPath}/msg/${encodeURIComponent(msgId)}`));
  const attempts = useQuery(
    `msg-attempts:${msgId}`,
    () => papi<ListPage<AttemptOut>>(`${appPath}/attempt/msg/${encodeURIComponent(msgId)}?limit=100`),
    { refetchMs: 3_000 },
  );
  const [note, setNote] = useState<string | null>(null);
  const [problem, setProblem] = useState<Error | undefined>(undefined);
  const resend = async (a: AttemptOut) => {
    try {
      await papi(`${appPath}/msg/${encodeURIComponent(msgId)}/endpoint/${encodeURIComponent(a.endpointId)}/resend`, {
        method: 'POST',
        json: {},
      });
      setNote('Resent: a new attempt is on its way.');
      attempts.refetch();
    } catch (err) {
      setProblem(err as Error);
    }
  };
  const m = message.data;
  return (
    <>
      <div class="page-head">
        <div>
          <a class="small-text" {...linkProps('/logs')}>
            ← Logs
          </a>
          <h1>
            Message <span class="mono">{m?.eventId ?? msgId}</span>
          </h1>
          {m && (
            <p class="muted">
              <span class="mono">{m.eventType}</span> · {new Date(m.timestamp).toLocaleString()}
            </p>
          )}
        </div>
      </div>
      <Problem error={message.error ?? problem} />
      {note && (
        <p class="note" role="status">
          {note}
        </p>
      )}
      <Panel title="Delivery attempts">
        <AttemptTable attempts={attempts.data?.data} {...(canAttempt ? { onResend: resend } : {})} />
      </Panel>
      {m?.payload !== undefined && (
        <Panel title="Payload">
          <pre class="code-block">{JSON.stringify(m.payload, null, 2)}</pre>
        </Panel>
      )}
    </>
  );
}

export function AttemptLog({ msgId, attemptId }: { msgId: string; attemptId: string }) {
  const appPath = useAppPath();
  const attempt = useQuery(`attempt:${attemptId}`, () =>
    papi<AttemptOut>(`${appPath}/msg/${encodeURIComponent(msgId)}/attempt/${encodeURIComponent(attemptId)}`),
  );
  const a = attempt.data;
  // Response headers are [name, value] pairs in the order the receiver sent them (a name may repeat).
  const headers = (pairs: Array<[string, string]>) => (
    <dl class="facts mono small-text">
      {pairs.map(([k, v], i) => (
        <Fragment key={`${k}:${i}`}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </Fragment>
      ))}
    </dl>
  );
  return (
    <>
      <div class="page-head">
        <div>
          <a class="small-text" {...linkProps(`/logs/${encodeURIComponent(msgId)}`)}>
            ← Message
          </a>
          <h1>
            Attempt <span class="mono">{attemptId}</span>
          </h1>
        </div>
      </div>
      <Problem error={attempt.error} />
      {a && (
        <Panel title="Attempt detail">
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <Badge value={ATTEMPT_STATUS[a.status] ?? String(a.status)} />
            </dd>
            <dt>URL</dt>
            <dd class="mono">{a.url}</dd>
            <dt>Response status</dt>
            <dd>{a.responseStatusCode || 'no response'}</dd>
            <dt>Duration</dt>
            <dd>{a.responseDurationMs} ms</dd>
            <dt>Time</dt>
            <dd>{new Date(a.timestamp).toLocaleString()}</dd>
            {a.error && (
              <>
                <dt>Error</dt>
                <dd>{a.error}</dd>
              </>
            )}
          </dl>
          {a.sentHeaders && (
            <>
              <h3>Request headers</h3>
              {headers(Object.entries(a.sentHeaders))}
            </>
          )}
          {a.responseHeaders && (
            <>
              <h3>Response headers</h3>
              {headers(a.responseHeaders)}
            </>
          )}
          <h3>Response body</h3>
          <pre class="code-block" aria-label="Response body">
            {a.response || '(empty)'}
          </pre>
        </Panel>
      )}
      <p>
        <a {...linkProps('/logs')}>Back to the logs</a>
      </p>
    </>
  );
}
