import { defaults } from '../config/defaults.ts';
import type { StoreRules } from '../store/rules.ts';
import { afterOutcome, blockedUntil, isRoutine } from './breaker.ts';
import { isFifoHead } from './fifo-head.ts';
import { LeaseGate } from './lease-gate.ts';
import { planFanOut } from './fan-out.ts';
import { returnedState } from './lease-return.ts';
import { routeMessage } from './routing.ts';
import { staleVerdict } from './stale.ts';

/** The delivery rules every store is opened with (see `StoreRules`). */
export const storeRules: StoreRules = {
  routeMessage,
  planFanOut,
  isFifoHead,
  staleVerdict,
  returnedState,
  leaseGate: (now) => new LeaseGate(now),
  blockedUntil,
  isRoutine,
  afterOutcome,
  endpointDefaults: {
    providerSignature: defaults.providerSignature,
    stalePolicy: defaults.stalePolicy,
    onDead: defaults.onDead,
    recordSkipped: defaults.recordSkipped,
  },
};
