import type { FieldPath } from '../config/field-path.ts';

export { type FieldPath, parseFieldPath } from '../config/field-path.ts';

/** Reads a field; numbers and booleans become strings, objects and missing values `undefined`. */
export function readField(field: FieldPath, body: unknown, headers: Record<string, string | string[] | undefined>): string | undefined {
  if (field.from === 'header') {
    const value = headers[field.name];
    return Array.isArray(value) ? value[0] : value;
  }
  let node: unknown = body;
  for (const step of field.path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[step];
  }
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  return undefined;
}
