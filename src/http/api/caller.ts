import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../auth/principal.ts';
import type { PortalTokens } from './portal.ts';

/** Who is calling, as far as the operations routes need to know: a name for the record, and which applications it may touch. */
export interface Caller {
  name: string;
  /** Application ids (or uids) the caller is held to; `null`: every application. */
  applications: string[] | null;
}

/**
 * The caller of an authenticated request. A `Principal` set by the auth hook
 * wins; otherwise an app-portal token is held to its application and the API
 * token may touch every one. Routes that reach across applications (bulk jobs,
 * alerts) scope themselves with this instead of relying on `/app/{app_id}`.
 */
export function callerOf(req: FastifyRequest, tokens: PortalTokens): Caller {
  const principal = (req as FastifyRequest & { principal?: Principal }).principal;
  if (principal) return { name: principal.name, applications: principal.applications };
  const header = req.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
  const appId = tokens.verify(token, Date.now());
  return appId !== null ? { name: `portal:${appId}`, applications: [appId] } : { name: 'default', applications: null };
}
