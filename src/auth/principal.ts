import type { Capability, Role } from '../store/records.ts';

// Stored with sessions and portal grants, so the store owns the vocabulary; named here too for the auth room.
export { CAPABILITIES, type Capability, type Role } from '../store/records.ts';

/**
 * Who is making an API request, once authenticated. Every way in (an API token
 * from the config, a console session made from one, an app-portal session)
 * ends as one of these, so route guards ask one question whatever the door.
 */
export interface Principal {
  /** The door: an API token, a console session (cookie) made from one, or an app-portal token or session. */
  kind: 'token' | 'session' | 'portal';
  /** The token's name from the config (`default` for `apiToken`), or the portal session's id: what the audit log shows. */
  name: string;
  /** admin: everything; operator: everything but tokens and settings; viewer: read only. */
  role: Role;
  /** Application ids (or uids) the principal may touch; `null` means every application. */
  applications: string[] | null;
  /** What an app-portal principal may do (Svix's capabilities); absent for every other kind. */
  capabilities?: Capability[];
  /**
   * The feature flags of an app-portal principal (Svix's `featureFlags`): an
   * event type carrying a flag not among them is hidden from it. Absent for
   * every other kind, which sees every event type.
   */
  featureFlags?: string[];
}

/** Whether a role may change things (any method other than GET/HEAD/OPTIONS). */
export function mayMutate(role: Role): boolean {
  return role !== 'viewer';
}
