/**
 * What one Sluice process does. `all` is the single-machine shape; the others
 * split the work across processes that share one PostgreSQL database, where the
 * deliveries table is the queue, so any number of each can run.
 */
export const ROLES = ['all', 'ingest', 'worker', 'api'] as const;
export type Role = (typeof ROLES)[number];

/** The parts a role switches on. Every role serves `/healthz`, `/readyz` and `/metrics`. */
export interface RoleParts {
  /** `POST /in/:source`. */
  ingest: boolean;
  /** `/api/v1`. */
  api: boolean;
  /** The delivery worker (scheduler + deliverer). */
  worker: boolean;
}

export function roleParts(role: Role): RoleParts {
  return {
    ingest: role === 'all' || role === 'ingest',
    api: role === 'all' || role === 'api',
    worker: role === 'all' || role === 'worker',
  };
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * Why `role` cannot run on a store of `kind`, or undefined when it can. An
 * SQLite file is held exclusively by one process, so a split role there would
 * leave the other half of the work undone (an ingest-only process would store
 * messages nobody ever delivers): only `all` makes sense.
 */
export function roleProblem(role: Role, kind: 'sqlite' | 'postgres'): string | undefined {
  if (role === 'all' || kind === 'postgres') return undefined;
  return `--role ${role} needs PostgreSQL (storage.url postgres://…): an SQLite file belongs to one process, which must do everything (--role all)`;
}
