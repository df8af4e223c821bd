import { useMemo, useState } from 'preact/hooks';
import { FlowChart, type SeriesPoint } from '../../components/Chart.tsx';
import { exampleOf, sampleFor, TransformationEditor } from '../../components/TransformationEditor.tsx';
import { Badge, CopyButton, Empty, Panel, Problem } from '../../components/ui.tsx';
import { useQuery } from '../../query.ts';
import { papi, type AttemptOut, type EndpointOut, type EventTypeOut, type HealthOut, type ListPage } from '../api.ts';
import { linkProps, navigate } from '../router.ts';
import { useAppPath, useCan, usePortal } from '../session.ts';
import { EndpointForm } from './EndpointForm.tsx';
import { EndpointHeaders } from './EndpointHeaders.tsx';

const HOUR = 3_600_000;

/** Attempts per hour over the last day, from the endpoint's latest attempts. */
function hourly(attempts: AttemptOut[], now: number): SeriesPoint[] {
  const start = Math.floor(now / HOUR) * HOUR - 23 * HOUR;
  const points = Array.from({ length: 24 }, (_, i) => ({
    at: new Date(start + i * HOUR).toISOString(),
    received: 0,
    delivered: 0,
    failed: 0,
  }));
  for (const a of attempts) {
    const i = Math.floor((Date.parse(a.timestamp) - start) / HOUR);
    const p = points[i];
    if (!p) continue;
    p.received++;
    if (a.status === 0) p.delivered++;
    else p.failed++;
  }
  return points;
}

/** A duration in the largest whole unit: 24 hours, 3 days, 90 minutes. */
function spoken(seconds: number): string {
  const [n, unit] =
    seconds % 86_400 === 0 && seconds > 0
      ? [seconds / 86_400, 'day']
      : seconds % 3600 === 0 && seconds > 0
        ? [seconds / 3600, 'hour']
        : [Math.round(seconds / 60), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

function Secret({ path }: { path: string }) {
  const overlap = spoken(usePortal().rotationGraceSeconds);
  const canView = useCan('ViewEndpointSecret');
  const canRotate = useCan('ManageEndpointSecret');
  const [secret, setSecret] = useState<string | null>(null);
  const [problem, setProblem] = useState<Error | undefined>(undefined);
  const [rotated, setRotated] = useState(false);
  if (!canView && !canRotate) return null;
  const reveal = async () => {
    try {
      setSecret((await papi<{ key: string }>(`${path}/secret`)).key);
    } catch (err) {
      setProblem(err as Error);
    }
  };
  const rotate = async () => {
    if (!confirm('Rotate the signing secret? The current secret keeps signing beside the new one for the overlap period.')) return;
    try {
      await papi(`${path}/secret/rotate`, { method: 'POST', json: {} });
      setRotated(true);
      if (secret !== null) await reveal();
    } catch (err) {
      setProblem(err as Error);
    }
  };
  return (
    <Panel title="Signing secret">
      <p class="muted">
        Verify each webhook's signature with this secret. After a rotation the previous secret still signs beside the new one for {overlap},
        so you can switch without missing a delivery.
      </p>
      <div class="actions">
        {canView &&
          (secret === null ? (
            <button type="button" onClick={reveal}>
              Reveal secret
            </button>
          ) : (
            <>
              <code class="secret" aria-label="Current signing secret">
                {secret}
              </code>
              <CopyButton text={secret} label="Copy secret" />
            </>
          ))}
        {canRotate && (
          <button type="button" onClick={rotate}>
            Rotate secret
          </button>
        )}
      </div>
      {rotated && (
        <p class="note" role="status">
          Secret rotated. The previous secret keeps signing beside the new one for {overlap}.
        </p>
      )}
      <Problem error={problem} />
    </Panel>
  );
}

function SendTest({ path, endpoint, catalog }: { path: string; endpoint: EndpointOut; catalog: EventTypeOut[] }) {
  const types = catalog.filter((t) => !t.archived && (endpoint.filterTypes === null || endpoint.filterTypes.includes(t.name)));
  const [type, setType] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const [problem, setProblem] = useState<Error | undefined>(undefined);
  const chosen = type || types[0]?.name || '';
  const example = types.find((t) => t.name === chosen);
  const payload = exampleOf(example);
  const send = async () => {
    setProblem(undefined);
    try {
      const msg = await papi<{ id: string }>(`${path}/send-example`, { method: 'POST', json: { eventType: chosen } });
      setSent(msg.id);
    } catch (err) {
      setProblem(err as Error);
    }
  };
  return (
    <Panel title="Send test event">
      {types.length === 0 ? (
        <Empty>No event type of the catalog goes to this endpoint.</Empty>
      ) : (
        <div class="stack">
          <label class="field inline">
            <span>Event type</span>
            <select value={chosen} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
              {types.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
          {payload !== undefined && (
            <pre class="code-block" aria-label="Example payload">
              {JSON.stringify(payload, null, 2)}
            </pre>
          )}
          <div class="actions">
            <button type="button" class="primary" onClick={send}>
              Send test event
            </button>
          </div>
          {sent && (
            <p class="note" role="status">
              Test event sent (message <span class="mono">{sent}</span>).{' '}
              <a {...linkProps(`/logs?endpoint=${encodeURIComponent(endpoint.id)}`)}>See it in the logs</a>.
            </p>
          )}
          <Problem error={problem} />
        </div>
      )}
    </Panel>
  );
}

export function EndpointPage({ id }: { id: string }) {
  const appPath = useAppPath();
  const path = `${appPath}/endpoint/${encodeURIComponent(id)}`;
  const canManage = useCan('ManageEndpoint');
  const canAttempt = useCan('CreateAttempts');
  const canTransform = useCan('ManageTransformations');
  // The catalog with its examples: the test event's payload, and the transformation editor's sample.
  const catalog = useQuery('catalog:full', () => papi<ListPage<EventTypeOut>>('/event-type?limit=250&with_content=true'), {
    enabled: canAttempt || canTransform,
  });
  const endpoint = useQuery(`ep:${path}`, () => papi<EndpointOut>(path));
  const health = useQuery(`health:${path}`, () => papi<HealthOut>(`${path}/health`), { refetchMs: 10_000 });
  const attempts = useQuery(
    `attempts:${path}`,
    () => papi<ListPage<AttemptOut>>(`${appPath}/attempt/endpoint/${encodeURIComponent(id)}?limit=250`),
    { refetchMs: 10_000 },
  );
  const [editing, setEditing] = useState(false);
  const [problem, setProblem] = useState<Error | undefined>(undefined);
  const points = useMemo(() => hourly(attempts.data?.data ?? [], Date.now()), [attempts.data]);

  if (endpoint.error)
    return (
      <>
        <h1>Endpoint</h1>
        <Problem error={endpoint.error} />
        <a {...linkProps('/endpoints')}>Back to endpoints</a>
      </>
    );
  const e = endpoint.data;
  if (!e) return <p class="empty">Loading…</p>;

  const setDisabled = async (disabled: boolean) => {
    try {
      await papi(path, { method: 'PATCH', json: { disabled } });
      endpoint.refetch();
      health.refetch();
    } catch (err) {
      setProblem(err as Error);
    }
  };
  const remove = async () => {
    if (!confirm(`Delete the endpoint ${e.url}? It stops receiving webhooks at once.`)) return;
    try {
      await papi(path, { method: 'DELETE' });
      navigate('/endpoints');
    } catch (err) {
      setProblem(err as Error);
    }
  };
  const failures = (attempts.data?.data ?? []).filter((a) => a.status !== 0).slice(0, 5);
  const h = health.data;

  return (
    <>
      <div class="page-head">
        <div>
          <a {...linkProps('/endpoints')} class="small-text">
            ← Endpoints
          </a>
          <h1 class="mono">{e.url}</h1>
          {e.description && <p class="muted">{e.description}</p>}
        </div>
        {canManage && (
          <div class="actions">
            <button type="button" onClick={() => setEditing(!editing)}>
              {editing ? 'Close editor' : 'Edit endpoint'}
            </button>
            {e.disabled ? (
              <button type="button" onClick={() => setDisabled(false)}>
                Enable endpoint
              </button>
            ) : (
              <button type="button" onClick={() => setDisabled(true)}>
                Disable endpoint
              </button>
            )}
            <button type="button" class="danger" onClick={remove}>
              Delete endpoint
            </button>
          </div>
        )}
      </div>
      <Problem error={problem} />
      {e.disabled && (
        <p class="problem" role="status">
          This endpoint is disabled{(h?.disabledReason ?? e.disabledReason) ? `: ${h?.disabledReason ?? e.disabledReason}` : ''}. It
          receives no webhooks until it is enabled again.
        </p>
      )}
      {!e.disabled && h && h.breaker !== 'closed' && (
        <p class="problem" role="status">
          Deliveries are paused after repeated failures (circuit {h.breaker.replace('_', ' ')}); they resume on their own once the endpoint
          answers again.
        </p>
      )}
      {editing && canManage && (
        <Panel title="Edit endpoint">
          <EndpointForm
            existing={e}
            onSaved={() => {
              setEditing(false);
              endpoint.refetch();
            }}
            onCancel={() => setEditing(false)}
          />
        </Panel>
      )}
      <div class="grid-2">
        <Panel title="Deliveries, last 24 hours">
          <FlowChart points={points} label="Attempts per hour: sent, succeeded, failed" />
        </Panel>
        <Panel title="Health">
          <dl class="facts">
            <dt>State</dt>
            <dd>
              <Badge value={e.disabled ? 'disabled' : 'enabled'} />
            </dd>
            <dt>Success rate</dt>
            <dd>{h?.successRate != null ? `${Math.round(h.successRate * 100)}% of the last ${h.sample} attempts` : '—'}</dd>
            <dt>Latency</dt>
            <dd>{h?.p50Ms != null ? `p50 ${h.p50Ms} ms · p99 ${h.p99Ms} ms` : '—'}</dd>
            <dt>Event types</dt>
            <dd class="mono">{e.filterTypes?.join(', ') ?? 'all'}</dd>
          </dl>
        </Panel>
      </div>
      <Panel title="Last errors">
        {failures.length === 0 ? (
          <Empty>No failed attempt among the latest.</Empty>
        ) : (
          <ul class="plain">
            {failures.map((a) => (
              <li key={a.id}>
                <a {...linkProps(`/logs/${encodeURIComponent(a.msgId)}/${encodeURIComponent(a.id)}`)}>
                  {new Date(a.timestamp).toLocaleString()}
                </a>{' '}
                <span class="mono">{a.responseStatusCode || 'no response'}</span>{' '}
                <span class="muted">{a.error ?? a.response.slice(0, 120)}</span>
              </li>
            ))}
          </ul>
        )}
      </Panel>
      <Secret path={path} />
      <EndpointHeaders path={path} />
      {canTransform && <TransformationEditor call={papi} path={path} canEdit sample={sampleFor(catalog.data?.data ?? [], e.filterTypes)} />}
      {canAttempt && <SendTest path={path} endpoint={e} catalog={catalog.data?.data ?? []} />}
    </>
  );
}
