import type { FilterDocument } from '../store/records.ts';

/** What a payload filter sees of a message: its parsed body and its forwarded headers (lower-case names). */
export interface FilterInput {
  body: unknown;
  headers: Record<string, string>;
}

export type Matcher = (input: FilterInput) => boolean;

/** A filter that does not compile, with where in the document it went wrong (`$or[1].amount.$gt`). */
export class FilterSyntaxError extends Error {
  constructor(
    readonly at: string,
    readonly reason: string,
  ) {
    super(`${at || '(filter)'}: ${reason}`);
  }
}

type Test = (value: unknown, present: boolean) => boolean;
type DocTest = (node: unknown, headers: Record<string, string>) => boolean;

const FIELD_OPS = ['$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte', '$exists', '$not'] as const;

/**
 * Compiles a filter document into a predicate, or throws `FilterSyntaxError`.
 * Keys are dotted paths into the payload (`data.object.status`, `items.0.sku`);
 * a plain object as a value matches nested fields the same way; `$headers`
 * matches the forwarded headers. Operators: `$eq $ne $in $nin $gt $gte $lt $lte
 * $exists $not` on a field, `$and $or $not` on documents. A scalar compared with
 * an array field matches when any element does (as MongoDB and Hookdeck do).
 */
export function compileFilter(doc: unknown): Matcher {
  const test = compileDoc(doc, '', true);
  return (input) => test(input.body, input.headers);
}

/** Parses a filter given as JSON text; a syntax error names its character position. */
export function parseFilterText(text: string): FilterDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    // V8 names the position, except when the text simply stops: then the error is at its end.
    const pos = /position (\d+)/.exec(msg)?.[1] ?? (/end of JSON input/.test(msg) ? String(text.length) : undefined);
    throw new FilterSyntaxError('', `not valid JSON${pos !== undefined ? ` at character ${pos}` : ''}: ${msg}`);
  }
  compileFilter(doc);
  return doc as FilterDocument;
}

const cache = new Map<string, Matcher>();
const CACHE_LIMIT = 1000;

/**
 * The compiled matcher of a stored filter, compiled once per distinct document
 * (endpoints are re-read for every ingest batch, so the text is the cache key).
 * A stored filter that no longer compiles matches nothing: it was checked when
 * it was saved, so this only happens if the rules tightened since.
 */
export function matcherFor(doc: FilterDocument): Matcher {
  const key = JSON.stringify(doc);
  let matcher = cache.get(key);
  if (!matcher) {
    try {
      matcher = compileFilter(doc);
    } catch {
      matcher = () => false;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, matcher);
  }
  return matcher;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(at: string, key: string | number): string {
  if (typeof key === 'number') return `${at}[${key}]`;
  return at ? `${at}.${key}` : key;
}

function compileDoc(doc: unknown, at: string, top: boolean): DocTest {
  if (!isPlainObject(doc)) throw new FilterSyntaxError(at, 'must be an object of field conditions');
  const tests: DocTest[] = [];
  for (const [key, value] of Object.entries(doc)) {
    const here = join(at, key);
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) throw new FilterSyntaxError(here, 'must be a non-empty list of filter documents');
      const parts = value.map((item, i) => compileDoc(item, join(here, i), false));
      tests.push(
        key === '$and' ? (node, headers) => parts.every((p) => p(node, headers)) : (node, headers) => parts.some((p) => p(node, headers)),
      );
    } else if (key === '$not') {
      const inner = compileDoc(value, here, false);
      tests.push((node, headers) => !inner(node, headers));
    } else if (key === '$headers') {
      if (!top) throw new FilterSyntaxError(here, '$headers is only allowed at the top of the filter');
      const inner = compileDoc(lowerKeys(value, here), here, false);
      tests.push((_node, headers) => inner(headers, headers));
    } else if (key.startsWith('$')) {
      throw new FilterSyntaxError(here, `unknown operator ${key} (known here: $and, $or, $not${top ? ', $headers' : ''})`);
    } else {
      const path = splitPath(key, here);
      const test = compileCondition(value, here);
      tests.push((node) => {
        const { value: found, present } = walk(node, path);
        return test(found, present);
      });
    }
  }
  return (node, headers) => tests.every((t) => t(node, headers));
}

function lowerKeys(value: unknown, at: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new FilterSyntaxError(at, 'must be an object of header conditions');
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.startsWith('$') ? k : k.toLowerCase(), v]));
}

function splitPath(key: string, at: string): string[] {
  const parts = key.split('.');
  if (parts.some((p) => p === '')) throw new FilterSyntaxError(at, 'a field path has an empty segment');
  return parts;
}

function walk(node: unknown, path: string[]): { value: unknown; present: boolean } {
  let current: unknown = node;
  for (const step of path) {
    if (Array.isArray(current) && /^\d+$/.test(step)) current = current[Number(step)];
    else if (isPlainObject(current) && Object.hasOwn(current, step)) current = current[step];
    else return { value: undefined, present: false };
  }
  return { value: current, present: current !== undefined };
}

function compileCondition(value: unknown, at: string): Test {
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    const ops = keys.filter((k) => k.startsWith('$'));
    if (ops.length > 0 && ops.length !== keys.length) {
      throw new FilterSyntaxError(at, 'mixes operators ($…) and field names in one object');
    }
    if (ops.length > 0) return compileOperators(value, at);
    // A nested document: its keys are paths below this field.
    const inner = compileDoc(value, at, false);
    return (found) => isPlainObject(found) && inner(found, {});
  }
  return equalsTest(value);
}

function compileOperators(ops: Record<string, unknown>, at: string): Test {
  const tests: Test[] = [];
  for (const [op, arg] of Object.entries(ops)) {
    const here = join(at, op);
    switch (op) {
      case '$eq':
        tests.push(equalsTest(arg));
        break;
      case '$ne': {
        const eq = equalsTest(arg);
        tests.push((v, present) => !eq(v, present));
        break;
      }
      case '$in':
      case '$nin': {
        if (!Array.isArray(arg)) throw new FilterSyntaxError(here, 'must be a list of values');
        const options = arg.map((a) => equalsTest(a));
        const any: Test = (v, present) => options.some((t) => t(v, present));
        tests.push(op === '$in' ? any : (v, present) => !any(v, present));
        break;
      }
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        if (typeof arg !== 'number' && typeof arg !== 'string') throw new FilterSyntaxError(here, 'must be a number or a string');
        const cmp = comparer(op, arg);
        tests.push((v) => (Array.isArray(v) ? v.some(cmp) : cmp(v)));
        break;
      }
      case '$exists':
        if (typeof arg !== 'boolean') throw new FilterSyntaxError(here, 'must be true or false');
        tests.push((_v, present) => present === arg);
        break;
      case '$not': {
        const inner = isPlainObject(arg) ? compileOperatorsOnly(arg, here) : equalsTest(arg);
        tests.push((v, present) => !inner(v, present));
        break;
      }
      default:
        throw new FilterSyntaxError(here, `unknown operator ${op} (known: ${FIELD_OPS.join(', ')})`);
    }
  }
  return (v, present) => tests.every((t) => t(v, present));
}

function compileOperatorsOnly(arg: Record<string, unknown>, at: string): Test {
  if (Object.keys(arg).some((k) => !k.startsWith('$'))) throw new FilterSyntaxError(at, 'takes operators ($gt, $in, …) or a value');
  return compileOperators(arg, at);
}

function comparer(op: '$gt' | '$gte' | '$lt' | '$lte', arg: number | string): (v: unknown) => boolean {
  return (v) => {
    if (typeof v !== typeof arg) return false;
    const a = v as number | string;
    if (op === '$gt') return a > arg;
    if (op === '$gte') return a >= arg;
    if (op === '$lt') return a < arg;
    return a <= arg;
  };
}

/** Equality; `null` also matches a missing field; a scalar matches an array holding it. */
function equalsTest(expected: unknown): Test {
  return (v, present) => {
    if (expected === null) return !present || v === null;
    if (!present) return false;
    if (deepEqual(v, expected)) return true;
    return Array.isArray(v) && !Array.isArray(expected) && v.some((item) => deepEqual(item, expected));
  };
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
