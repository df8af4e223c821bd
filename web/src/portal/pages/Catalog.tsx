import { Badge, Empty, Panel, Problem } from '../../components/ui.tsx';
import { useQuery } from '../../query.ts';
import { papi, type EventTypeOut, type ListPage } from '../api.ts';

/** Every event type the platform sends: description, JSON Schema, example payload. */
export function Catalog() {
  const catalog = useQuery('catalog:full', () => papi<ListPage<EventTypeOut>>('/event-type?limit=250&with_content=true'));
  const types = (catalog.data?.data ?? []).filter((t) => !t.archived);
  return (
    <>
      <div class="page-head">
        <h1>Event catalog</h1>
      </div>
      <Problem error={catalog.error} />
      {catalog.data && types.length === 0 && <Empty>The catalog is empty.</Empty>}
      {types.map((t) => {
        const versions = Object.entries(t.schemas ?? {});
        const example = versions.flatMap(([, s]) => s.examples ?? [])[0];
        return (
          <Panel key={t.name} title={t.name} actions={t.deprecated ? <Badge value="deprecated" /> : undefined}>
            <p>{t.description || <span class="muted">No description.</span>}</p>
            {versions.map(([version, schema]) => {
              const { examples: _examples, ...rest } = schema;
              return (
                <details key={version}>
                  <summary>Schema (version {version})</summary>
                  <pre class="code-block" aria-label={`Schema of ${t.name}`}>
                    {JSON.stringify(rest, null, 2)}
                  </pre>
                </details>
              );
            })}
            {example !== undefined && (
              <>
                <h3>Example</h3>
                <pre class="code-block" aria-label={`Example of ${t.name}`}>
                  {JSON.stringify(example, null, 2)}
                </pre>
              </>
            )}
          </Panel>
        );
      })}
    </>
  );
}
