import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerOf, type Resolver } from './authenticate.ts';
import type { Principal, Role } from './principal.ts';

/** One API token of the config (`auth.tokens`, or `apiToken` as the admin token `default`), kept as its hash. */
export interface ApiTokenConfig {
  name: string;
  /** SHA-256 of the token, hex: the token itself is never kept once the config is read. */
  sha256: string;
  role: Role;
  /** Applications (uids or ids) the token may touch; `null`: every one. */
  applications: string[] | null;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Bearer API tokens. The presented token is hashed and compared with every
 * configured hash in constant time (all of them, so timing tells nothing about
 * which one or how many matched).
 */
export function apiTokenResolver(tokens: readonly ApiTokenConfig[]): Resolver {
  const principalOf = apiTokenPrincipal(tokens);
  return (req) => {
    const given = bearerOf(req);
    return given === undefined ? null : principalOf(given);
  };
}

/** Who a presented API token is (also how a console sign-in turns a token into a session), `null` when it is none of ours. */
export function apiTokenPrincipal(tokens: readonly ApiTokenConfig[]): (given: string) => Principal | null {
  const known = tokens.map((t) => ({ ...t, hash: Buffer.from(t.sha256, 'hex') }));
  return (given) => {
    const hash = createHash('sha256').update(given, 'utf8').digest();
    let found: (typeof known)[number] | undefined;
    for (const t of known) {
      if (t.hash.length === hash.length && timingSafeEqual(t.hash, hash) && !found) found = t;
    }
    if (!found) return null;
    const principal: Principal = { kind: 'token', name: found.name, role: found.role, applications: found.applications };
    return principal;
  };
}
