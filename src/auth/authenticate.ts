import type { Principal } from './principal.ts';

/** What a resolver may look at: the request's headers and the address it came from. */
export interface AuthRequest {
  headers: Record<string, string | string[] | undefined>;
  ip: string;
}

/**
 * One way in (an API token, an app-portal token, a console session): the
 * principal when the request carries a credential this resolver recognises
 * and it is valid, `null` otherwise. Resolvers never throw for a bad
 * credential; the chain answers 401 when none of them recognises it.
 */
export type Resolver = (req: AuthRequest) => Principal | null | Promise<Principal | null>;

/** The token of `Authorization: Bearer <token>`, however the spaces fall; `undefined` without one. */
export function bearerOf(req: AuthRequest): string | undefined {
  const header = req.headers.authorization;
  const text = Array.isArray(header) ? header[0] : header;
  const match = text ? /^\s*Bearer\s+(\S+)\s*$/i.exec(text) : null;
  return match?.[1];
}

/** Whether the request carries any credential at all (for the 401's wording). */
export function hasCredential(req: AuthRequest): boolean {
  return req.headers.authorization !== undefined || req.headers.cookie !== undefined;
}

/** The first principal a resolver of the chain finds, in order; `null` when none does. */
export async function authenticate(resolvers: readonly Resolver[], req: AuthRequest): Promise<Principal | null> {
  for (const resolve of resolvers) {
    const principal = await resolve(req);
    if (principal) return principal;
  }
  return null;
}
