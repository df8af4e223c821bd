import type { EventTypeConfig } from '../config/types.ts';
import { defaults } from '../config/defaults.ts';
import { precompile, validatePayload, yamlSchemaSource, type SchemaSource, type SchemaVerdict } from './schema.ts';

/** Finds an event type created through the API (the store's `getEventType`). */
export type EventTypeLookup = (name: string) => Promise<(SchemaSource & { archived?: boolean }) | null>;

/**
 * Where a message's event type and schema come from: the API's event types
 * (they change at run time, so they win) and the YAML's `eventTypes:`. API
 * lookups are cached briefly, because ingest asks for every message; a
 * "revalidate and release" asks `fresh`, so a schema fixed a moment ago counts.
 */
export class EventTypeCatalog {
  private readonly cache = new Map<string, { at: number; value: SchemaSource | undefined }>();

  constructor(
    private readonly yaml: Record<string, EventTypeConfig>,
    private readonly lookup: EventTypeLookup | undefined,
    private readonly ttlMs: number = defaults.eventTypeCacheMs,
  ) {}

  async find(name: string | null, fresh = false): Promise<SchemaSource | undefined> {
    if (name === null) return undefined;
    const now = Date.now();
    const hit = this.cache.get(name);
    if (!fresh && hit && now - hit.at < this.ttlMs) return hit.value;
    let value: SchemaSource | undefined;
    let stored: Awaited<ReturnType<EventTypeLookup>> = null;
    try {
      stored = this.lookup ? await this.lookup(name) : null;
    } catch (err) {
      // The YAML's schema still holds when the store cannot answer; without one, the caller decides.
      if (!this.yaml[name]) throw new Error(`could not look up event type "${name}"`, { cause: err });
    }
    if (stored && stored.archived !== true) value = stored;
    else if (this.yaml[name]) value = yamlSchemaSource(this.yaml[name]);
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(name, { at: now, value });
    return value;
  }

  /** Validates one payload (`undefined` when not JSON) of type `name` for an application (strict or not). */
  async check(name: string | null, payload: unknown, strict: boolean, fresh = false): Promise<SchemaVerdict> {
    return validatePayload(await this.find(name, fresh), payload, { strict, typeName: name });
  }
}

type EventTypePage = { data: Array<{ name: string } & SchemaSource>; iterator: string | null; done: boolean };

/**
 * Compiles the schemas of every event type the store holds, once at start (the
 * YAML's are compiled when the config loads), so the first message of a type
 * with a large schema does not wait for it. A stored schema that does not
 * compile (accepted before the API checked) is reported; its messages are
 * then stored unchecked, as before.
 */
export async function compileStoredSchemas(
  list: (iterator: string | undefined) => Promise<EventTypePage>,
  warn: (name: string, problem: string) => void,
): Promise<number> {
  let iterator: string | undefined;
  let seen = 0;
  for (let page = 0; page < 1000; page++) {
    const got = await list(iterator);
    seen += got.data.length;
    for (const p of precompile(got.data)) warn(p.name, p.problem);
    if (got.done || got.iterator === null) break;
    iterator = got.iterator;
  }
  return seen;
}
