import { useEffect, useState } from 'preact/hooks';
import { api, type MessageOut, type Page } from '../api.ts';
import { BulkRelease, BulkRetry } from '../components/BulkAction.tsx';
import { Badge, Empty, Problem } from '../components/ui.tsx';
import { bytes, time } from '../format.ts';
import { useQuery } from '../query.ts';
import { linkProps, navigate, useLocation } from '../router.ts';

/** The filters, named as the API's query parameters, so the page's URL is the API query. */
export const FILTERS = ['app', 'source', 'eventType', 'state', 'deliveryState', 'endpoint', 'after', 'before', 'eventId', 'q'] as const;
type Filter = (typeof FILTERS)[number];

const toLocal = (iso: string | null): string => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const toIso = (local: string): string => (local ? new Date(local).toISOString() : '');

function deliverySummary(m: MessageOut): string {
  const ds = m.deliveries ?? [];
  if (ds.length === 0) return m.state === 'accepted' ? 'no endpoint' : '—';
  const by = new Map<string, number>();
  for (const d of ds) by.set(d.state, (by.get(d.state) ?? 0) + 1);
  return [...by].map(([s, n]) => (n > 1 ? `${n} ${s.replace('_', ' ')}` : s.replace('_', ' '))).join(', ');
}

export function MessageTable({ rows, caption }: { rows: MessageOut[]; caption: string }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Message</th>
            <th scope="col">Received</th>
            <th scope="col">Source</th>
            <th scope="col">Event type</th>
            <th scope="col">State</th>
            <th scope="col">Deliveries</th>
            <th scope="col">Size</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => (
            <tr key={m.id}>
              <td>
                <a class="mono" {...linkProps(`/messages/${m.id}`)}>
                  {m.id}
                </a>
                {m.eventId ? <div class="muted mono small-text">{m.eventId}</div> : null}
              </td>
              <td>{time(m.timestamp)}</td>
              <td>{m.source ?? <span class="muted">API</span>}</td>
              <td>{m.eventType ?? <span class="muted">—</span>}</td>
              <td>
                <Badge value={m.state} />
              </td>
              <td>{deliverySummary(m)}</td>
              <td>{bytes(m.size)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface Option {
  value: string;
  label: string;
}

function Select({
  name,
  label,
  value,
  options,
  onChange,
}: {
  name: Filter;
  label: string;
  value: string;
  options: Option[];
  onChange: (v: string) => void;
}) {
  return (
    <div class="field">
      <label for={`f-${name}`}>{label}</label>
      <select id={`f-${name}`} name={name} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        <option value="">Any</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function Text({
  name,
  label,
  value,
  onChange,
  type = 'text',
  placeholder,
}: {
  name: Filter;
  label: string;
  value: string;
  onChange: (v: string) => void;
  type?: 'text' | 'search';
  placeholder?: string;
}) {
  return (
    <div class="field">
      <label for={`f-${name}`}>{label}</label>
      <input
        id={`f-${name}`}
        name={name}
        type={type as 'text'}
        value={value}
        placeholder={placeholder}
        onInput={(e) => onChange((e.target as HTMLInputElement).value)}
      />
    </div>
  );
}

export function Messages() {
  const { search } = useLocation();
  const applied = Object.fromEntries(FILTERS.map((f) => [f, search.get(f) ?? ''])) as Record<Filter, string>;
  const [draft, setDraft] = useState(applied);
  const key = search.toString();
  useEffect(() => setDraft(applied), [key]);

  const apps = useQuery('apps', () => api<Page<{ id: string; uid: string | null; name: string }>>('/app?limit=250'));
  const sources = useQuery('sources', () => api<{ data: Array<{ name: string }> }>('/sources'));
  const params = new URLSearchParams();
  for (const f of FILTERS) if (applied[f]) params.set(f, applied[f]);
  const iterator = search.get('iterator');
  if (iterator) params.set('iterator', iterator);
  params.set('limit', '50');
  params.set('withDeliveries', 'true');
  const list = useQuery(`messages:${params}`, () => api<Page<MessageOut>>(`/messages?${params}`));

  const set = (f: Filter) => (v: string) => setDraft((d) => ({ ...d, [f]: v }));
  const apply = (e: Event) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const f of FILTERS) if (draft[f]) next.set(f, draft[f]);
    navigate(`/messages${next.size ? `?${next}` : ''}`);
  };
  const page = (it: string) => {
    const next = new URLSearchParams(search);
    next.set('iterator', it);
    navigate(`/messages?${next}`);
  };
  const data = list.data;

  return (
    <>
      <div class="page-head">
        <h1>Messages</h1>
      </div>
      <form class="filters panel" onSubmit={apply} aria-label="Filters">
        <Select
          name="app"
          label="Application"
          value={draft.app}
          onChange={set('app')}
          options={(apps.data?.data ?? []).map((a) => ({ value: a.uid ?? a.id, label: a.name || a.uid || a.id }))}
        />
        <Select
          name="source"
          label="Source"
          value={draft.source}
          onChange={set('source')}
          options={(sources.data?.data ?? []).map((s) => ({ value: s.name, label: s.name }))}
        />
        <Text
          name="eventType"
          label="Event type"
          value={draft.eventType}
          onChange={set('eventType')}
          placeholder="invoice.paid, invoice.failed"
        />
        <Select
          name="state"
          label="Message state"
          value={draft.state}
          onChange={set('state')}
          options={['accepted', 'invalid', 'stale'].map((v) => ({ value: v, label: v }))}
        />
        <Select
          name="deliveryState"
          label="Delivery status"
          value={draft.deliveryState}
          onChange={set('deliveryState')}
          options={['pending', 'in_flight', 'scheduled', 'succeeded', 'dead', 'skipped'].map((v) => ({
            value: v,
            label: v.replace('_', ' '),
          }))}
        />
        <Text
          name="endpoint"
          label="Endpoint"
          value={draft.endpoint}
          onChange={set('endpoint')}
          placeholder="ep_… (or uid with an application)"
        />
        <div class="field">
          <label for="f-after">Received from</label>
          <input
            id="f-after"
            type="datetime-local"
            value={toLocal(draft.after)}
            onInput={(e) => set('after')(toIso((e.target as HTMLInputElement).value))}
          />
        </div>
        <div class="field">
          <label for="f-before">Received until</label>
          <input
            id="f-before"
            type="datetime-local"
            value={toLocal(draft.before)}
            onInput={(e) => set('before')(toIso((e.target as HTMLInputElement).value))}
          />
        </div>
        <Text name="eventId" label="Event id" value={draft.eventId} onChange={set('eventId')} placeholder="evt_…" />
        <Text name="q" label="Payload contains" value={draft.q} onChange={set('q')} type="search" />
        <div class="filter-actions">
          <button type="submit" class="primary">
            Apply filters
          </button>
          <button type="button" onClick={() => navigate('/messages')}>
            Clear filters
          </button>
        </div>
      </form>
      <div class="bulk-bar">{applied.state === 'invalid' ? <BulkRelease filter={applied} /> : <BulkRetry filter={applied} />}</div>
      <Problem error={list.error} />
      {data && data.data.length === 0 ? (
        <Empty>
          {data.done ? 'No message matches these filters.' : `No match among the ${data.scanned ?? ''} messages searched so far.`}
        </Empty>
      ) : null}
      {data && data.data.length > 0 ? <MessageTable rows={data.data} caption="Messages, newest first" /> : null}
      {!data && !list.error ? <p class="empty">Loading…</p> : null}
      {data ? (
        <nav class="pager" aria-label="Pages">
          <button type="button" disabled={!iterator || !data.prevIterator} onClick={() => data.prevIterator && page(data.prevIterator)}>
            Newer
          </button>
          <button type="button" disabled={data.done || !data.iterator} onClick={() => data.iterator && page(data.iterator)}>
            Older
          </button>
        </nav>
      ) : null}
    </>
  );
}
