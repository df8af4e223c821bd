import type { FastifyRequest } from 'fastify';
import { principalOf } from './auth.ts';

/** Who is calling, as far as the operations routes need to know: a name for the record, and which applications it may touch. */
export interface Caller {
  name: string;
  /** Application ids (or uids) the caller is held to; `null`: every application. */
  applications: string[] | null;
}

/**
 * The caller of an authenticated request, from the principal the auth hook
 * set. Routes that reach across applications (bulk jobs, alerts) scope
 * themselves with this instead of relying on `/app/{app_id}`.
 */
export function callerOf(req: FastifyRequest): Caller {
  const principal = principalOf(req);
  return { name: principal.name, applications: principal.applications };
}
