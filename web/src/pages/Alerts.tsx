import { useState } from 'preact/hooks';
import { api, type Page } from '../api.ts';
import { Badge, Empty, Panel, Problem } from '../components/ui.tsx';
import { ago, duration, time } from '../format.ts';
import { useQuery } from '../query.ts';
import { linkProps } from '../router.ts';
import { useCanAct } from '../session.ts';

interface Rule {
  name: string;
  kind: string;
  scope: { application?: string; endpoint?: string; source?: string };
  channels: string[];
  threshold: number | null;
  window: number;
  severity: string;
}

interface Current {
  rule: string;
  subject: string;
  status: 'firing' | 'pending';
  since: string | null;
  value: number | null;
  summary: string;
  labels: Record<string, string>;
  ids: string[];
  lastNotifiedAt: string | null;
}

interface Notification {
  id: string;
  channel: string;
  state: string;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
}

interface Firing {
  id: string;
  rule: string;
  subject: string;
  kind: 'firing' | 'repeat' | 'resolved';
  at: string;
  summary: string;
  ids: string[];
  notifications: Notification[];
}

interface AlertsOut {
  current: Current[];
  recent: Page<Firing>;
  rules: Rule[];
}

/** The threshold in the rule kind's own unit, as the configuration reads it. */
function thresholdText(r: Rule): string {
  if (r.threshold === null) return r.kind === 'source-silence' ? 'learned from traffic' : '—';
  switch (r.kind) {
    case 'endpoint-failure-rate':
      return `${Math.round(r.threshold * 100)}% failed`;
    case 'queue-lag':
    case 'source-silence':
      return duration(r.threshold);
    case 'endpoint-disabled':
      return 'any disabled endpoint';
    default:
      return `${r.threshold}`;
  }
}

/** The kinds that count over a window; the others read a state as it is now. */
const WINDOWED = new Set(['endpoint-failure-rate', 'dead-deliveries', 'signature-rejections']);

const scopeText = (s: Rule['scope']): string =>
  Object.entries(s)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'everything';

/** Messages an alert names (dead deliveries, reconcile gaps) link to their page. */
function Ids({ ids }: { ids: string[] }) {
  if (ids.length === 0) return null;
  return (
    <span class="small-text">
      {' '}
      (
      {ids.slice(0, 5).map((id, i) => (
        <>
          {i > 0 ? ', ' : ''}
          {id.startsWith('msg_') ? (
            <a class="mono" {...linkProps(`/messages/${id}`)}>
              {id}
            </a>
          ) : (
            <span class="mono">{id}</span>
          )}
        </>
      ))}
      {ids.length > 5 ? ` and ${ids.length - 5} more` : ''})
    </span>
  );
}

function TestChannel({ name }: { name: string }) {
  const [state, setState] = useState<{ ok: boolean; text: string } | null>(null);
  const send = async () => {
    setState(null);
    try {
      await api(`/alerts/channels/${encodeURIComponent(name)}/test`, { method: 'POST', json: {} });
      setState({ ok: true, text: 'sent' });
    } catch (err) {
      setState({ ok: false, text: (err as Error).message });
    }
  };
  return (
    <>
      <button type="button" class="small" onClick={send} aria-label={`Send a test notification to ${name}`}>
        Test
      </button>
      {state ? (
        <span role="status" class={state.ok ? 'muted' : 'problem'}>
          {' '}
          {state.text}
        </span>
      ) : null}
    </>
  );
}

/** Alert rules, what fires now, and the recent firings with what became of each notification. */
export function Alerts() {
  const canAct = useCanAct();
  const q = useQuery('alerts', () => api<AlertsOut>('/alerts?limit=50'), { refetchMs: 5000 });
  const channels = useQuery('alert-channels', () => api<{ data: Array<{ name: string; type: string }> }>('/alerts/channels'));
  const data = q.data;
  const firingBy = new Map<string, number>();
  for (const c of data?.current ?? []) if (c.status === 'firing') firingBy.set(c.rule, (firingBy.get(c.rule) ?? 0) + 1);

  return (
    <>
      <div class="page-head">
        <h1>Alerts</h1>
      </div>
      <Problem error={q.error} />
      {!data && !q.error ? <p class="empty">Loading…</p> : null}
      {data ? (
        <>
          <Panel title="Firing now">
            {data.current.length === 0 ? (
              <Empty>Nothing is firing.</Empty>
            ) : (
              <ul class="stack plain" aria-label="Current alerts">
                {data.current.map((c) => (
                  <li key={`${c.rule}:${c.subject}`}>
                    <Badge value={c.status} /> <strong>{c.rule}</strong> · <span class="mono">{c.subject}</span>: {c.summary}
                    <Ids ids={c.ids} />
                    <div class="muted small-text">
                      since {time(c.since)}
                      {c.lastNotifiedAt ? ` · last notified ${ago(c.lastNotifiedAt)}` : ''}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </Panel>
          <Panel title="Rules">
            {data.rules.length === 0 ? (
              <Empty>No alert rule is configured (alerts.rules in the configuration).</Empty>
            ) : (
              <div class="table-wrap">
                <table>
                  <caption class="sr-only">Alert rules</caption>
                  <thead>
                    <tr>
                      <th scope="col">Rule</th>
                      <th scope="col">Kind</th>
                      <th scope="col">Threshold</th>
                      <th scope="col">Window</th>
                      <th scope="col">Scope</th>
                      <th scope="col">Channels</th>
                      <th scope="col">Severity</th>
                      <th scope="col">State</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.rules.map((r) => (
                      <tr key={r.name}>
                        <td>{r.name}</td>
                        <td class="mono">{r.kind}</td>
                        <td>{thresholdText(r)}</td>
                        <td>{WINDOWED.has(r.kind) ? duration(r.window) : <span class="muted">—</span>}</td>
                        <td>{scopeText(r.scope)}</td>
                        <td>{r.channels.join(', ')}</td>
                        <td>{r.severity}</td>
                        <td>{firingBy.get(r.name) ? <Badge value="firing" /> : <span class="muted">ok</span>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Panel>
          <Panel title="Recent firings">
            {data.recent.data.length === 0 ? (
              <Empty>No alert has fired yet.</Empty>
            ) : (
              <ul class="stack plain" aria-label="Recent firings">
                {data.recent.data.map((e) => (
                  <li key={e.id}>
                    <Badge value={e.kind} /> <strong>{e.rule}</strong> · <span class="mono">{e.subject}</span>: {e.summary}
                    <Ids ids={e.ids} />
                    <div class="muted small-text">
                      {time(e.at)}
                      {e.notifications
                        .map(
                          (n) =>
                            ` · ${n.channel}: ${n.state}${n.attempts > 1 ? ` after ${n.attempts} tries` : ''}${n.lastError ? ` (${n.lastError})` : ''}`,
                        )
                        .join('')}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </Panel>
          <Panel title="Channels">
            <Problem error={channels.error} />
            {channels.data && channels.data.data.length === 0 ? <Empty>No channel is configured.</Empty> : null}
            <ul class="plain" aria-label="Alert channels">
              {(channels.data?.data ?? []).map((c) => (
                <li key={c.name}>
                  <strong>{c.name}</strong> <span class="muted">{c.type}</span> {canAct ? <TestChannel name={c.name} /> : null}
                </li>
              ))}
            </ul>
          </Panel>
        </>
      ) : null}
    </>
  );
}
