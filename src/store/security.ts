import type { Page } from './records.ts';

/** One mutating API call, as the audit log keeps it. */
export interface AuditEntry {
  id: string;
  at: number;
  principalKind: string;
  principalName: string;
  /** The method and route pattern: `PATCH /app/:app_id`. */
  action: string;
  /** The ids the route named (`app_id=shop endpoint_id=ep_…`), or `null`. */
  object: string | null;
  /** The application named in the path, as the caller gave it. */
  appId: string | null;
  status: number;
  remoteAddr: string;
}

/** Private-network exceptions of one application, set through the API. */
export interface NetworkPolicyRecord {
  allowAll: boolean;
  allowCidrs: string[];
}

export interface AuditQuery {
  limit: number;
  iterator?: string;
  /** Only entries of this principal name. */
  principal?: string;
  appId?: string;
}

/** The store's security operations: the audit log and per-application network policies. */
export interface SecurityStore {
  insertAudit(entries: AuditEntry[]): Promise<void>;
  listAudit(query: AuditQuery): Promise<Page<AuditEntry>>;
  /** Removes audit entries older than `before` (retained like messages); returns how many. */
  removeAuditBefore(before: number): Promise<number>;
  getNetworkPolicy(appId: string): Promise<NetworkPolicyRecord | null>;
  /** `null` removes the application's exception. */
  setNetworkPolicy(appId: string, policy: NetworkPolicyRecord | null, now: number): Promise<void>;
  /** Seals again, under the current key, every endpoint secret stored plain or under an older key; returns how many endpoints. */
  resealSecrets(): Promise<number>;
}
