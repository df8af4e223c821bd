import { createRequire } from 'node:module';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import type { EventTypeConfig } from '../config/types.ts';
import { defaults } from '../config/defaults.ts';
import type { ValidationIssue } from '../store/records.ts';

/** Why a payload was not accepted for its event type. */
export type SchemaVerdict = { ok: true } | { ok: false; reason: 'unknown_event_type' | 'schema'; issues: ValidationIssue[] };

/** An event type as the validator needs it: Svix-style schemas by version (`{"1": {...}}`), or none. */
export interface SchemaSource {
  schemas: Record<string, unknown> | null;
}

const require = createRequire(import.meta.url);
const addFormats = formatsPlugin as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * One Ajv (draft 2020-12, every error reported, formats checked) for the
 * process. Draft-07's meta-schema is added too, because schemas copied from
 * elsewhere (Svix's examples among them) declare `$schema` draft-07.
 * Non-strict: unknown keywords (`example`, `x-…`) are documentation, not errors.
 */
function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, logger: false });
  addFormats(ajv);
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-07.json') as Record<string, unknown>);
  return ajv;
}

const ajv = createAjv();
const compiled = new Map<string, ValidateFunction>();
const COMPILED_LIMIT = 2000;

/** Compiles a schema once per distinct document; throws when the schema itself is wrong. */
export function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let fn = compiled.get(key);
  if (!fn) {
    // Ajv keeps every schema with an `$id`; compiling the same `$id` twice is an error, so drop it first.
    const id = typeof schema.$id === 'string' ? schema.$id : undefined;
    if (id !== undefined) ajv.removeSchema(id);
    fn = ajv.compile(schema);
    if (compiled.size >= COMPILED_LIMIT) compiled.clear();
    compiled.set(key, fn);
  }
  return fn;
}

/** What is wrong with a schema as written, or `undefined` when it compiles. */
export function schemaProblem(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'must be a JSON Schema object';
  try {
    compileSchema(schema as Record<string, unknown>);
    return undefined;
  } catch (err) {
    return `is not a valid JSON Schema (draft 2020-12): ${(err as Error).message}`;
  }
}

/** The schema of the newest version (the highest numeric key), as Svix keeps them. */
export function latestSchema(source: SchemaSource): Record<string, unknown> | null {
  const versions = Object.keys(source.schemas ?? {});
  if (versions.length === 0) return null;
  versions.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : 1));
  const schema = source.schemas?.[versions[versions.length - 1] as string];
  return typeof schema === 'object' && schema !== null ? (schema as Record<string, unknown>) : null;
}

function toIssue(e: ErrorObject): ValidationIssue {
  const missing = (e.params as { missingProperty?: string }).missingProperty;
  const extra = (e.params as { additionalProperty?: string }).additionalProperty;
  const path = missing !== undefined ? `${e.instancePath}/${missing}` : extra !== undefined ? `${e.instancePath}/${extra}` : e.instancePath;
  return { path, message: e.message ?? 'is invalid' };
}

/**
 * Checks one payload against its event type. `eventType` is `undefined` when
 * the type is not declared anywhere: fine unless the application is strict.
 * `payload` is the parsed body, or `undefined` when it is not JSON.
 */
export function validatePayload(
  eventType: SchemaSource | undefined,
  payload: unknown,
  opts: { strict: boolean; typeName: string | null },
): SchemaVerdict {
  if (eventType === undefined) {
    if (!opts.strict) return { ok: true };
    const what = opts.typeName === null ? 'the message has no event type' : `event type "${opts.typeName}" is not declared`;
    return { ok: false, reason: 'unknown_event_type', issues: [{ path: '', message: `${what} (the application has strictEventTypes)` }] };
  }
  const schema = latestSchema(eventType);
  if (schema === null) return { ok: true };
  if (payload === undefined) return { ok: false, reason: 'schema', issues: [{ path: '', message: 'the payload is not JSON' }] };
  const validate = compileSchema(schema);
  if (validate(payload)) return { ok: true };
  return { ok: false, reason: 'schema', issues: capIssues((validate.errors ?? []).map(toIssue)) };
}

/**
 * At most `defaults.maxValidationIssues` issues, the last one saying how many
 * more there were: one payload against a large schema can fail thousands of
 * ways, and each is stored with the message.
 */
export function capIssues(issues: ValidationIssue[], max: number = defaults.maxValidationIssues): ValidationIssue[] {
  if (issues.length <= max) return issues;
  const left = issues.length - (max - 1);
  return [...issues.slice(0, max - 1), { path: '', message: `and ${left} more errors, not kept` }];
}

/**
 * Compiles every schema of these event types now (at start, or when one is
 * created), so no request waits for a large schema's first compile. Returns
 * the types whose schema does not compile, with why.
 */
export function precompile(types: Iterable<{ name: string } & SchemaSource>): Array<{ name: string; problem: string }> {
  const problems: Array<{ name: string; problem: string }> = [];
  for (const type of types) {
    const schema = latestSchema(type);
    if (schema === null) continue;
    const problem = schemaProblem(schema);
    if (problem) problems.push({ name: type.name, problem });
  }
  return problems;
}

/** `/amount: must be number; /currency: must have …` for a reply or a log line. */
export function describeIssues(issues: ValidationIssue[]): string {
  return issues.map((i) => `${i.path || '(payload)'}: ${i.message}`).join('; ');
}

/** YAML event types as `SchemaSource`s (one version, "1"). */
export function yamlSchemaSource(type: EventTypeConfig): SchemaSource {
  return { schemas: type.schema === null ? null : { 1: type.schema } };
}
