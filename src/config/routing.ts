import type { Transformation } from '../store/records.ts';
import { defaults } from './defaults.ts';
import type { Section } from './section.ts';
import type { TransformLimitsConfig } from './types.ts';

/**
 * `transformation:` on an endpoint or a source: the code as a string, or a
 * mapping `{ code, enabled }`. Whether it compiles is not judged here (that
 * needs the engine); the first delivery or `…/transformation/test` says so.
 */
export function readTransformation(section: Section): Transformation | null | undefined {
  const raw = section.value.transformation;
  if (raw === undefined) return undefined;
  if (raw === null) return null;
  let code: string | undefined;
  let enabled = true;
  if (typeof raw === 'string') code = raw;
  else {
    const t = section.child('transformation');
    if (!t) return undefined;
    t.onlyKeys(['code', 'enabled']);
    code = t.str('code', { required: true });
    enabled = t.bool('enabled') ?? true;
  }
  if (code === undefined) return undefined;
  if (code.trim() === '') return section.problem('transformation', 'the code must not be empty');
  if (Buffer.byteLength(code) > defaults.transformMaxCodeBytes) return section.problem('transformation', `the code may be at most ${defaults.transformMaxCodeBytes} bytes`);
  return { code, enabled };
}

/** `transformations: { timeout, memoryLimit }`: the limits of every call. */
export function readTransformLimits(top: Section): TransformLimitsConfig {
  const t = top.child('transformations');
  t?.onlyKeys(['timeout', 'memoryLimit']);
  return {
    timeoutMs: t?.duration('timeout', { min: 1, max: 10_000 }) ?? defaults.transformTimeoutMs,
    memoryBytes: t?.size('memoryLimit', { min: 1024 * 1024, max: 1024 * 1024 * 1024 }) ?? defaults.transformMemoryBytes,
  };
}
