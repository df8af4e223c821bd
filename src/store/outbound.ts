/**
 * The old name of `management.ts` (and of the health types now in
 * `health.ts`), kept only so `config/` and `http/` compile until their imports
 * move; nothing in `store/` imports it. Delete it once they do.
 */
export type { HealthChange, HealthPolicy } from './health.ts';
export type {
  ApplicationInput,
  Created,
  EndpointInput,
  EndpointStats,
  EventType,
  EventTypeInput,
  IdempotencyClaim,
  ListQuery,
  ManagementStore as OutboundStore,
} from './management.ts';
