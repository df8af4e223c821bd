import type { AlertStore } from './alerts.ts';
import type { BulkJobStore } from './bulk-jobs.ts';
import type { LeaseStore } from './leases.ts';
import type { ReconcileStore } from './reconcile.ts';

/**
 * The store operations of the operations rooms: bulk recovery, alerts,
 * reconciliation, and the named leases that keep a background loop to one
 * process.
 */
export interface OperationsStore extends BulkJobStore, LeaseStore, AlertStore, ReconcileStore {}
