import type { SecretKey } from '../secret-box.ts';

/** What the main thread asks the store thread: one whole store operation, or the keys to seal with from now on. */
export type ThreadRequest = { id: number; method: string; args: unknown[] } | { keys: SecretKey[] };

/** The thread's first word (its connection is open, or why not), then one answer per request. */
export type ThreadAnswer =
  | { ready: true }
  | { ready: false; error: unknown }
  | { id: number; result: unknown }
  | { id: number; error: unknown };

/** What `new Worker(…, { workerData })` gives the store thread: plain data only, functions cannot cross. */
export interface ThreadData {
  path: string;
  keys: SecretKey[];
}

/** Marks an Error carried as plain data (structured clone keeps neither `code`, nor a custom `name`, nor extra properties). */
const ERROR = '\u0000sluice.error';

interface ErrorData {
  name: string;
  message: string;
  stack: string | undefined;
  cause: unknown;
  props: Record<string, unknown>;
}

const builtins: Record<string, ErrorConstructor> = { TypeError, RangeError, SyntaxError, ReferenceError };

/** Errors anywhere in a value (a thrown one, or the `{ error }` of an ingest outcome) become plain data; done on the sending side. */
export function packErrors(value: unknown): unknown {
  if (value instanceof Error) {
    const props: Record<string, unknown> = {};
    for (const key of Object.keys(value)) if (key !== 'cause') props[key] = (value as unknown as Record<string, unknown>)[key];
    const data: ErrorData = { name: value.name, message: value.message, stack: value.stack, cause: packErrors(value.cause), props };
    return { [ERROR]: data };
  }
  if (!isPlain(value)) return value;
  const entries = value as Record<string, unknown>;
  for (const key in entries) {
    const packed = packErrors(entries[key]);
    if (packed !== entries[key]) entries[key] = packed;
  }
  return value;
}

/**
 * Undoes what a structured clone did to a value, in place: a Buffer arrives as a bare
 * Uint8Array (wrapped again, no copy), an Error packed by `packErrors` becomes one again.
 */
export function revive(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (!isPlain(value)) return value;
  const entries = value as Record<string, unknown>;
  const packed = entries[ERROR] as ErrorData | undefined;
  if (packed !== undefined) return errorFrom(packed);
  for (const key in entries) {
    const revived = revive(entries[key]);
    if (revived !== entries[key]) entries[key] = revived;
  }
  return value;
}

function errorFrom(data: ErrorData): Error {
  const cause = revive(data.cause);
  const Make = builtins[data.name] ?? Error;
  const err = new Make(data.message, cause === undefined ? undefined : { cause });
  if (err.name !== data.name) Object.defineProperty(err, 'name', { value: data.name, configurable: true, writable: true });
  Object.assign(err, data.props);
  if (data.stack !== undefined) err.stack = data.stack;
  return err;
}

/** Arrays and object literals: what the store's records are made of (class instances are left as they are). */
function isPlain(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
