import type { Section } from './section.ts';

/** The customer portal's settings (`portal:`). */
export interface PortalConfig {
  /**
   * Who may frame `/portal/` (CSP `frame-ancestors`): origins such as
   * `https://app.example.com`, or `'self'`. An application's own list, set
   * through the API, replaces it for that application's portal.
   */
  frameAncestors: string[];
  /** Longest life of a portal session a one-time key is exchanged for. */
  sessionTtlMs: number;
}

const WEEK_MS = 7 * 86_400_000;

export const portalDefaults = {
  /** Only the gateway's own pages may frame the portal until the operator names the platform's origins (`portal.frameAncestors`). */
  frameAncestors: ["'self'"],
  /** A portal session ends a week after its link was opened at the latest (`portal.sessionTtl`), sooner when the link's own expiry comes first. */
  sessionTtlMs: WEEK_MS,
} as const;

/** A `frame-ancestors` source Sluice accepts: an http(s) origin (a `*.` host allowed), `'self'` or `'none'`. */
export function frameAncestorProblem(source: string): string | null {
  if (source === "'self'" || source === "'none'") return null;
  if (/^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/.test(source)) return null;
  return `"${source}" is not an origin such as https://app.example.com (nor 'self' or 'none')`;
}

/** Reads `portal:`. */
export function readPortal(top: Section): PortalConfig {
  const section = top.child('portal');
  section?.onlyKeys(['frameAncestors', 'sessionTtl']);
  const frameAncestors = section?.strList('frameAncestors');
  for (const source of frameAncestors ?? []) {
    const problem = frameAncestorProblem(source);
    if (problem) section?.problem('frameAncestors', problem);
  }
  return {
    frameAncestors: frameAncestors ?? [...portalDefaults.frameAncestors],
    sessionTtlMs: section?.duration('sessionTtl', { min: 60_000, max: WEEK_MS }) ?? portalDefaults.sessionTtlMs,
  };
}
