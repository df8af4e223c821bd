import { defaults } from './defaults.ts';
import type { Section } from './section.ts';
import type { ConsoleConfig } from './types.ts';

/** Reads `console:` (whether the operator console is served, and how long its sessions last). */
export function readConsole(top: Section): ConsoleConfig {
  const section = top.child('console');
  section?.onlyKeys(['enabled', 'sessionTtl']);
  return {
    enabled: section?.bool('enabled') ?? defaults.consoleEnabled,
    sessionTtlMs: section?.duration('sessionTtl', { min: 60_000, max: 90 * 86_400_000 }) ?? defaults.consoleSessionTtlMs,
  };
}
