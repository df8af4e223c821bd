import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { Empty, Panel, Problem } from '../../components/ui.tsx';
import { useQuery } from '../../query.ts';
import { papi } from '../api.ts';
import { useCan } from '../session.ts';

/** The headers sent with every delivery to this endpoint (an API key the receiver expects, say). */
export function EndpointHeaders({ path }: { path: string }) {
  const canManage = useCan('ManageEndpoint');
  const headers = useQuery(`headers:${path}`, () => papi<{ headers: Record<string, string> }>(`${path}/headers`));
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<Error | undefined>(undefined);
  const change = async (changes: Record<string, string | null>) => {
    setProblem(undefined);
    try {
      await papi(`${path}/headers`, { method: 'PATCH', json: { headers: changes } });
      headers.refetch();
      return true;
    } catch (err) {
      setProblem(new Error((err as Error).message.replace(/^body\.headers\.?/, 'Header ')));
      return false;
    }
  };
  const add = async (e: Event) => {
    e.preventDefault();
    if (await change({ [name.trim()]: value })) {
      setName('');
      setValue('');
    }
  };
  const entries = Object.entries(headers.data?.headers ?? {});
  return (
    <Panel title="Custom headers">
      <Problem error={headers.error ?? problem} />
      {headers.data && entries.length === 0 && <Empty>No custom header is sent.</Empty>}
      {entries.length > 0 && (
        <dl class="facts mono small-text">
          {entries.map(([k, v]) => (
            <Fragment key={k}>
              <dt>{k}</dt>
              <dd>
                {v}{' '}
                {canManage && (
                  <button type="button" class="small" aria-label={`Remove header ${k}`} onClick={() => void change({ [k]: null })}>
                    Remove
                  </button>
                )}
              </dd>
            </Fragment>
          ))}
        </dl>
      )}
      {canManage && (
        <form class="actions" onSubmit={add} aria-label="Add a header">
          <label class="field">
            <span>Header name</span>
            <input required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="X-Api-Key" />
          </label>
          <label class="field">
            <span>Header value</span>
            <input required value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit">Add header</button>
        </form>
      )}
    </Panel>
  );
}
