import { timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality of two byte strings. Only the length can leak, and
 * every signature scheme we check has a public, fixed length.
 */
export function safeEqual(a: Buffer | string, b: Buffer | string): boolean {
  const left = typeof a === 'string' ? Buffer.from(a) : a;
  const right = typeof b === 'string' ? Buffer.from(b) : b;
  if (left.length !== right.length || left.length === 0) return false;
  return timingSafeEqual(left, right);
}
