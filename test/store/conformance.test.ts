import { describe } from 'node:test';
import { alertCases } from './cases-alerts.ts';
import { attemptHeaderCases } from './cases-attempt-headers.ts';
import { applicationCases } from './cases-applications.ts';
import { compatCases } from './cases-compat.ts';
import { consoleCases } from './cases-console.ts';
import { bulkJobCases } from './cases-bulk-jobs.ts';
import { ingestCases } from './cases-ingest.ts';
import { largeBatchCases } from './cases-large-batch.ts';
import { leasingCases } from './cases-leasing.ts';
import { livenessCases } from './cases-liveness.ts';
import { livenessPropertyCases } from './cases-liveness-property.ts';
import { outboundCases } from './cases-outbound.ts';
import { portalCases } from './cases-portal.ts';
import { orderingCases } from './cases-ordering.ts';
import { sharedDatabaseCases } from './cases-postgres.ts';
import { partitionCases } from './cases-partitions.ts';
import { reconcileCases } from './cases-reconcile.ts';
import { replayCases } from './cases-replay.ts';
import { retentionCases } from './cases-retention.ts';
import { securityCases } from './cases-security.ts';
import { storeTargets } from './harness.ts';
import { transformationCases } from './cases-transformations.ts';

// The same cases against every store; SLUICE_STORE=sqlite|postgres narrows the run to one.
for (const target of await storeTargets()) {
  describe(`store conformance: ${target.name}`, { skip: target.skip }, () => {
    applicationCases(target);
    ingestCases(target);
    largeBatchCases(target);
    leasingCases(target);
    replayCases(target);
    bulkJobCases(target);
    alertCases(target);
    reconcileCases(target);
    outboundCases(target);
    orderingCases(target);
    livenessCases(target);
    livenessPropertyCases(target);
    retentionCases(target);
    compatCases(target);
    consoleCases(target);
    securityCases(target);
    transformationCases(target);
    attemptHeaderCases(target);
    portalCases(target);
    if (target.name === 'postgres') {
      sharedDatabaseCases(target);
      partitionCases(target);
    }
  });
}
