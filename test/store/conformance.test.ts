import { describe } from 'node:test';
import { applicationCases } from './cases-applications.ts';
import { ingestCases } from './cases-ingest.ts';
import { leasingCases } from './cases-leasing.ts';
import { outboundCases } from './cases-outbound.ts';
import { orderingCases } from './cases-ordering.ts';
import { sharedDatabaseCases } from './cases-postgres.ts';
import { partitionCases } from './cases-partitions.ts';
import { replayCases } from './cases-replay.ts';
import { retentionCases } from './cases-retention.ts';
import { storeTargets } from './harness.ts';
import { transformationCases } from './cases-transformations.ts';

// The same cases against every store; SLUICE_STORE=sqlite|postgres narrows the run to one.
for (const target of await storeTargets()) {
  describe(`store conformance: ${target.name}`, { skip: target.skip }, () => {
    applicationCases(target);
    ingestCases(target);
    leasingCases(target);
    replayCases(target);
    outboundCases(target);
    orderingCases(target);
    retentionCases(target);
    transformationCases(target);
    if (target.name === 'postgres') {
      sharedDatabaseCases(target);
      partitionCases(target);
    }
  });
}
