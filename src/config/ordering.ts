import type { FilterDocument } from '../store/records.ts';
import type { ConfigChecks } from './checks.ts';
import { defaults } from './defaults.ts';
import { Section } from './section.ts';
import type { EndpointConfig, EventTypeConfig } from './types.ts';

/** The longest hold-back a source or endpoint may ask for. */
export const MAX_REORDER_WINDOW = 3_600_000;
/** Event type names: dotted, as Svix allows them. */
const eventTypeName = /^[A-Za-z0-9_.-]{1,256}$/;

type OrderingKeys = Required<Pick<EndpointConfig, 'fifo' | 'stale' | 'onDead' | 'reorderWindowMs' | 'filter' | 'recordSkipped'>>;

/** An endpoint's ordering and routing keys (`fifo`, `stale`, `onDead`, `reorderWindow`, `filter`, `recordSkipped`). */
export function readOrdering(ep: Section, checks: ConfigChecks): OrderingKeys {
  const fifo = ep.bool('fifo') ?? false;
  const reorderWindowMs = ep.duration('reorderWindow', { min: 0, max: MAX_REORDER_WINDOW }) ?? null;
  if (reorderWindowMs !== null && !fifo) ep.problem('reorderWindow', 'only applies to a FIFO endpoint (set fifo: true)');
  return {
    fifo,
    stale: ep.oneOf('stale', ['skip', 'deliver'] as const, defaults.stalePolicy) ?? defaults.stalePolicy,
    onDead: ep.oneOf('onDead', ['skip', 'block'] as const, defaults.onDead) ?? defaults.onDead,
    reorderWindowMs,
    filter: readFilter(ep, checks),
    recordSkipped: ep.bool('recordSkipped') ?? defaults.recordSkipped,
  };
}

/** `filter:` as a YAML mapping or a JSON string; a filter that does not compile is reported with where it failed. */
function readFilter(ep: Section, checks: ConfigChecks): FilterDocument | null {
  const raw = ep.value.filter;
  if (raw === undefined || raw === null) return null;
  const read = checks.filter(raw);
  if ('filter' in read) return read.filter;
  ep.problems.push(`${ep.keyPath('filter')}${read.at ? `.${read.at}` : ''}: ${read.reason}`);
  return null;
}

/** The top-level `eventTypes:` mapping: name → { schema, description }. */
export function readEventTypes(top: Section, checks: ConfigChecks): Record<string, EventTypeConfig> {
  const section = top.child('eventTypes');
  const out: Record<string, EventTypeConfig> = {};
  for (const [name, value] of Object.entries(section?.value ?? {})) {
    const type = section && Section.of(value, section.keyPath(name), section.problems);
    if (!section || !type) continue;
    if (!eventTypeName.test(name)) section.problem(name, 'event type names use letters, digits, _ . - (at most 256)');
    type.onlyKeys(['schema', 'description']);
    const schema = type.value.schema;
    let checked: Record<string, unknown> | null = null;
    if (schema !== undefined && schema !== null) {
      const problem = checks.schemaProblem(schema);
      if (problem) type.problem('schema', problem);
      else checked = schema as Record<string, unknown>;
    }
    out[name] = { name, description: type.str('description') ?? '', schema: checked };
  }
  return out;
}
