import { useState } from 'preact/hooks';
import { api, type Page } from '../api.ts';
import { sampleFor, TransformationRow, TransformationToggle } from '../components/TransformationEditor.tsx';
import { Badge, Empty, Note, Panel, Problem } from '../components/ui.tsx';
import { ago, count, duration } from '../format.ts';
import { invalidateAll, useQuery } from '../query.ts';
import { linkProps } from '../router.ts';
import { useCanAct } from '../session.ts';

interface App {
  id: string;
  uid: string | null;
  name: string;
}
interface Endpoint {
  id: string;
  uid: string | null;
  url: string;
  description: string;
  disabled: boolean;
  disabledReason: string | null;
  filterTypes: string[] | null;
  throttleRate: number | null;
}
interface Stats {
  success: number;
  pending: number;
  sending: number;
  fail: number;
}
interface Health {
  sample: number;
  successRate: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  lastError: { at: string; status: number | null; error: string | null } | null;
  breaker: 'closed' | 'open' | 'half_open';
  breakerUntil: string | null;
  consecutiveFailures: number;
  throttledUntil: string | null;
}
interface EventType {
  name: string;
  description: string;
  schemas: Record<string, unknown> | null;
  deprecated: boolean;
  archived: boolean;
}

function Secret({ appId, ep }: { appId: string; ep: Endpoint }) {
  const [secret, setSecret] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const reveal = async () => {
    if (!window.confirm(`Show the signing secret of ${ep.url}? Anyone who sees it can forge deliveries to this endpoint.`)) return;
    setSecret((await api<{ key: string }>(`/app/${appId}/endpoint/${ep.id}/secret`)).key);
  };
  const rotate = async () => {
    if (!window.confirm('Rotate the signing secret? The old one keeps signing beside the new one for the grace period.')) return;
    await api(`/app/${appId}/endpoint/${ep.id}/secret/rotate`, { method: 'POST', json: {} });
    setSecret(null);
    setNote('Rotated');
  };
  return (
    <span class="action">
      {secret ? (
        <code class="mono secret" aria-label="Signing secret">
          {secret}
        </code>
      ) : (
        <button type="button" class="small" onClick={reveal}>
          Reveal secret
        </button>
      )}
      <button type="button" class="small" onClick={rotate}>
        Rotate secret
      </button>
      <Note text={note} />
    </span>
  );
}

function EndpointRow({ appId, ep, canAct, eventTypes }: { appId: string; ep: Endpoint; canAct: boolean; eventTypes: EventType[] }) {
  const stats = useQuery(`stats:${ep.id}`, () => api<Stats>(`/app/${appId}/endpoint/${ep.id}/stats`), { refetchMs: 10_000 });
  const health = useQuery(`health:${ep.id}`, () => api<Health>(`/app/${appId}/endpoint/${ep.id}/health`), { refetchMs: 10_000 });
  const h = health.data;
  const [note, setNote] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [url, setUrl] = useState(ep.url);
  const [transforming, setTransforming] = useState(false);
  const s = stats.data;
  const total = s ? s.success + s.fail : 0;
  const toggle = async () => {
    await api(`/app/${appId}/endpoint/${ep.id}`, { method: 'PATCH', json: { disabled: !ep.disabled } });
    invalidateAll();
  };
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      await api(`/app/${appId}/endpoint/${ep.id}`, { method: 'PATCH', json: { url } });
      setEditing(false);
      invalidateAll();
    } catch (err) {
      setNote((err as Error).message);
    }
  };
  const example = async () => {
    const type = eventTypes[0]?.name;
    if (!type) return setNote('Declare an event type first');
    const r = await api<{ id: string }>(`/app/${appId}/endpoint/${ep.id}/send-example`, { method: 'POST', json: { eventType: type } });
    setNote(`Example ${type} sent as ${r.id}`);
  };
  const path = `/app/${appId}/endpoint/${ep.id}`;
  const detailId = `transformation-row-${ep.id}`;
  return (
    <>
      <tr>
        <td>
          {editing ? (
            <form onSubmit={save} class="inline-form">
              <label for={`url-${ep.id}`} class="sr-only">
                Endpoint URL
              </label>
              <input id={`url-${ep.id}`} value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
              <button type="submit" class="small">
                Save
              </button>
              <button type="button" class="small" onClick={() => setEditing(false)}>
                Cancel
              </button>
            </form>
          ) : (
            <span class="mono">{ep.url}</span>
          )}
          <div class="muted">
            {ep.uid ?? ep.id}
            {ep.filterTypes ? ` · ${ep.filterTypes.join(', ')}` : ''}
          </div>
        </td>
        <td>
          {ep.disabled ? (
            <>
              <Badge value="disabled" /> <span class="muted">{ep.disabledReason}</span>
            </>
          ) : (
            <Badge value="enabled" />
          )}
          {h && h.breaker !== 'closed' ? (
            <div>
              <Badge value={h.breaker === 'open' ? 'breaker open' : 'breaker half open'} />
            </div>
          ) : null}
          {h?.throttledUntil ? <div class="muted">throttled</div> : null}
        </td>
        <td>
          {h && h.successRate !== null
            ? `${Math.round(h.successRate * 100)}% of last ${h.sample}`
            : s
              ? `${total ? Math.round((s.success / total) * 100) : 100}% of ${count(total)}`
              : '…'}
          {h && h.p50Ms !== null ? (
            <div class="muted">
              p50 {duration(h.p50Ms)} · p99 {duration(h.p99Ms)}
            </div>
          ) : null}
          {h?.lastError ? (
            <div class="problem-text small-text">
              last error {ago(h.lastError.at)}: {h.lastError.error ?? `HTTP ${h.lastError.status}`}
            </div>
          ) : null}
        </td>
        <td>{s ? `${count(s.pending)} pending, ${count(s.fail)} failed` : '…'}</td>
        <td>
          <a {...linkProps(`/messages?app=${appId}&endpoint=${ep.id}`)}>Messages</a>{' '}
          <TransformationToggle open={transforming} onToggle={() => setTransforming(!transforming)} controls={detailId} />
          {canAct ? (
            <div class="actions">
              <button type="button" class="small" onClick={toggle}>
                {ep.disabled ? 'Enable' : 'Disable'}
              </button>
              <button type="button" class="small" onClick={() => setEditing(true)}>
                Edit
              </button>
              <button type="button" class="small" onClick={example}>
                Send example
              </button>
              <Secret appId={appId} ep={ep} />
            </div>
          ) : null}
          <Note text={note} />
        </td>
      </tr>
      {transforming ? (
        <TransformationRow
          id={detailId}
          colSpan={5}
          call={api}
          path={path}
          canEdit={canAct}
          sample={sampleFor(eventTypes, ep.filterTypes)}
          title={`Transformation of ${ep.uid ?? ep.id}`}
        />
      ) : null}
    </>
  );
}

function AppPanel({ app, canAct, eventTypes }: { app: App; canAct: boolean; eventTypes: EventType[] }) {
  const eps = useQuery(`eps:${app.id}`, () => api<Page<Endpoint>>(`/app/${app.id}/endpoint?limit=250`));
  return (
    <Panel title={app.name || app.uid || app.id}>
      <p class="muted mono">
        {app.uid ? `${app.uid} · ` : ''}
        {app.id}
      </p>
      <Problem error={eps.error} />
      {eps.data && eps.data.data.length === 0 ? <Empty>No endpoint.</Empty> : null}
      {eps.data && eps.data.data.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Endpoints of {app.name}</caption>
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">State</th>
                <th scope="col">Health</th>
                <th scope="col">Queue</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {eps.data.data.map((ep) => (
                <EndpointRow key={ep.id} appId={app.id} ep={ep} canAct={canAct} eventTypes={eventTypes} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Panel>
  );
}

export function Applications() {
  const canAct = useCanAct();
  const apps = useQuery('apps', () => api<Page<App>>('/app?limit=250'));
  const types = useQuery('event-types', () => api<Page<EventType>>('/event-type?limit=250&withContent=true'));
  const declared = types.data?.data ?? [];
  return (
    <>
      <div class="page-head">
        <h1>Applications and endpoints</h1>
      </div>
      <Problem error={apps.error} />
      <div class="stack">
        {(apps.data?.data ?? []).map((a) => (
          <AppPanel key={a.id} app={a} canAct={canAct} eventTypes={declared} />
        ))}
      </div>
      <Panel title="Event types">
        {types.data && types.data.data.length === 0 ? <Empty>No event type is declared through the API.</Empty> : null}
        <ul class="event-types">
          {(types.data?.data ?? []).map((t) => (
            <li key={t.name}>
              <strong class="mono">{t.name}</strong> {t.deprecated ? <Badge value="deprecated" /> : null}{' '}
              <span class="muted">{t.description}</span>
              {t.schemas ? (
                <details>
                  <summary>Schema</summary>
                  <pre class="code">{JSON.stringify(t.schemas, null, 2)}</pre>
                </details>
              ) : null}
            </li>
          ))}
        </ul>
      </Panel>
    </>
  );
}
