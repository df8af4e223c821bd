import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiTokenConfig } from '../config/types.ts';
import { bearerOf, type Resolver } from './authenticate.ts';
import type { Principal } from './principal.ts';

export type { ApiTokenConfig };
export { sha256Hex } from '../config/token-hash.ts';

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
