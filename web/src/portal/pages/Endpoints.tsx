import { useState } from 'preact/hooks';
import { Badge, Empty, Panel, Problem } from '../../components/ui.tsx';
import { useQuery } from '../../query.ts';
import { papi, type EndpointOut, type ListPage } from '../api.ts';
import { linkProps, navigate } from '../router.ts';
import { useAppPath, useCan } from '../session.ts';
import { EndpointForm } from './EndpointForm.tsx';

export function Endpoints({ creating }: { creating: boolean }) {
  const appPath = useAppPath();
  const canManage = useCan('ManageEndpoint');
  const list = useQuery(`endpoints:${appPath}`, () => papi<ListPage<EndpointOut>>(`${appPath}/endpoint?limit=250`));
  const [note, setNote] = useState<string | null>(null);

  return (
    <>
      <div class="page-head">
        <h1>Endpoints</h1>
        {canManage && !creating && (
          <button type="button" class="primary" onClick={() => navigate('/endpoints/new')}>
            Add endpoint
          </button>
        )}
      </div>
      {note && (
        <p class="note" role="status">
          {note}
        </p>
      )}
      {creating && canManage && (
        <Panel title="New endpoint">
          <EndpointForm
            onSaved={(e) => {
              setNote(`Endpoint ${e.url} created.`);
              list.refetch();
              navigate(`/endpoints/${encodeURIComponent(e.id)}`);
            }}
            onCancel={() => navigate('/endpoints')}
          />
        </Panel>
      )}
      <Panel title="Your endpoints">
        <Problem error={list.error} />
        {list.data && list.data.data.length === 0 && (
          <Empty>No endpoints yet.{canManage ? ' Add one to start receiving webhooks.' : ''}</Empty>
        )}
        {list.data && list.data.data.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Event types</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((e) => (
                <tr key={e.id}>
                  <td>
                    <a {...linkProps(`/endpoints/${encodeURIComponent(e.id)}`)}>{e.url}</a>
                    {e.description && <div class="muted small-text">{e.description}</div>}
                  </td>
                  <td class="mono small-text">{e.filterTypes?.join(', ') ?? 'all'}</td>
                  <td>
                    <Badge value={e.disabled ? 'disabled' : 'enabled'} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  );
}
