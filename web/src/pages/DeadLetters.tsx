import { api, type MessageOut, type Page } from '../api.ts';
import { BulkRetry } from '../components/BulkAction.tsx';
import { Empty, Panel, Problem } from '../components/ui.tsx';
import { useQuery } from '../query.ts';
import { linkProps } from '../router.ts';
import { MessageTable } from './Messages.tsx';

/**
 * Dead deliveries and quarantined (invalid) messages in one place. Each row
 * opens the message, where Retry, Replay and Release act on it. Bulk retry of
 * every dead delivery is here; a narrower bulk retry or a release works over
 * the Messages page's filter ("Open as a filter").
 */
export function DeadLetters() {
  const dead = useQuery('dead', () => api<Page<MessageOut>>('/messages?deliveryState=dead&withDeliveries=true&limit=50'), {
    refetchMs: 5000,
  });
  const invalid = useQuery('invalid', () => api<Page<MessageOut>>('/messages?state=invalid&limit=50'), { refetchMs: 5000 });
  const reasons = (m: MessageOut) =>
    (m.deliveries ?? [])
      .filter((d) => d.state === 'dead')
      .map((d) => `${d.uid ?? d.url}: ${d.lastError ?? `HTTP ${d.lastStatus ?? '—'}`}`)
      .join('; ');

  return (
    <>
      <div class="page-head">
        <h1>Dead letters and quarantine</h1>
      </div>
      <Panel title="Dead deliveries" actions={<a {...linkProps('/messages?deliveryState=dead')}>Open as a filter</a>}>
        <BulkRetry filter={{ deliveryState: 'dead' }} label="Retry every dead delivery" />
        <Problem error={dead.error} />
        {dead.data && dead.data.data.length === 0 ? <Empty>No delivery is dead.</Empty> : null}
        {dead.data && dead.data.data.length > 0 ? (
          <>
            <MessageTable rows={dead.data.data} caption="Messages with a dead delivery" />
            <ul class="reasons" aria-label="Why they died">
              {dead.data.data.map((m) => (
                <li key={m.id}>
                  <a class="mono" {...linkProps(`/messages/${m.id}`)}>
                    {m.id}
                  </a>{' '}
                  {reasons(m)}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </Panel>
      <Panel title="Quarantine (invalid messages)" actions={<a {...linkProps('/messages?state=invalid')}>Open as a filter</a>}>
        <Problem error={invalid.error} />
        {invalid.data && invalid.data.data.length === 0 ? <Empty>No message is quarantined.</Empty> : null}
        {invalid.data && invalid.data.data.length > 0 ? <MessageTable rows={invalid.data.data} caption="Invalid messages" /> : null}
      </Panel>
    </>
  );
}
