import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConfig } from '../../src/gateway/config.ts';
import { findProvider } from '../../src/providers/registry.ts';
import type { ProviderInstance } from '../../src/providers/types.ts';

/** Property runs: a short run inside `npm test`, a long one with FAULTS_FULL=1 (`npm run test:faults`). */
export const RUNS = process.env.FAULTS_FULL ? 20_000 : 150;

/** A signed request mutated at one place: the body, the signature or the timestamp. */
export const mutation = fc.record({
  payload: fc.json({ maxDepth: 3 }),
  where: fc.constantFrom('none', 'body', 'signature', 'timestamp'),
  at: fc.nat(),
  skewSec: fc.integer({ min: -900, max: 900 }),
});

/** `text` with the character at `at` (modulo its length) replaced. */
export function flip(text: string, at: number): string {
  if (text.length === 0) return 'x';
  const i = at % text.length;
  const c = text.charCodeAt(i);
  // Neither replacement is a hex digit or a case variant of one, so the flip always changes what is signed or checked.
  return text.slice(0, i) + (c === 0x7a ? 'y' : 'z') + text.slice(i + 1);
}

/** One provider's verifier as a source of the config would build it (`options`: the rest of the source's YAML mapping). */
export function providerFor(provider: string, options: string): ProviderInstance {
  const config = parseConfig(
    `apiToken: fuzz-token-0123456789\napplications:\n  app: {}\nsources:\n  s: { provider: ${provider}, application: app, ${options} }\n`,
    'fuzz.yaml',
    {},
    {},
  );
  const source = config.sources.s;
  assert.ok(source);
  const def = findProvider(source.provider);
  assert.ok(def);
  return def.create(source, source.options);
}
