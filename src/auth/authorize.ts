import type { Principal } from './principal.ts';
import { roleReaches, type RouteAccess } from './route-access.ts';

export interface Refusal {
  status: 403;
  reason: string;
}

const refuse = (reason: string): Refusal => ({ status: 403, reason });

/**
 * Whether a principal may use a route, before its application is looked at
 * (see `mayTouchApplication`). `null` means yes.
 */
export function routeRefusal(p: Principal, access: RouteAccess | null, method: string): Refusal | null {
  if (access === null) {
    return p.kind !== 'portal' && p.role === 'admin' && p.applications === null
      ? null
      : refuse(`${method} on this route is limited to admin tokens`);
  }
  if (access.scope === 'public') return null;
  if (p.kind === 'portal') {
    if (access.portal === null) return refuse('an app-portal token may not use this route');
    if (!(p.capabilities ?? []).includes(access.portal)) return refuse(`this app-portal token lacks the ${access.portal} capability`);
  } else {
    if (access.mutating && p.role === 'viewer') return refuse(`the ${p.kind} "${p.name}" is read-only (role viewer)`);
    if (!roleReaches(p.role, access.role))
      return refuse(`this route needs role ${access.role}; the ${p.kind} "${p.name}" has role ${p.role}`);
  }
  if (access.scope === 'global' && p.applications !== null && !access.restrictedOk) {
    return refuse('this route spans every application; the principal is limited to some');
  }
  return null;
}

/** Whether a principal limited to some applications may touch this one (`null` when it does not exist yet). */
export function mayTouchApplication(p: Principal, named: string, found: { id: string; uid: string | null } | null): boolean {
  if (p.applications === null) return true;
  if (found) return p.applications.includes(found.id) || (found.uid !== null && p.applications.includes(found.uid));
  // Creating an application by the name in the path (PUT, a first message): only a name the principal owns.
  return p.kind !== 'portal' && p.applications.includes(named);
}
