import { apiError } from '../../error-catalogue.ts';
import type { EventTypeCatalog } from '../../ingest/event-types.ts';
import { describeIssues } from '../../ingest/schema.ts';

/**
 * The check `POST /app/:app_id/msg` makes before storing: a payload that fails
 * its event type's schema (or an undeclared type in an application with
 * `strictEventTypes`) is refused with 422 naming every failing path, because
 * unlike a provider the API caller can fix it and send again. Inbound messages
 * are quarantined instead (see `IngestPipeline`).
 */
export async function refuseInvalidPayload(catalog: EventTypeCatalog, eventType: string, payload: unknown, strict: boolean): Promise<void> {
  const verdict = await catalog.check(eventType, payload, strict);
  if (verdict.ok) return;
  if (verdict.reason === 'unknown_event_type') {
    throw apiError('unknown_event_type', describeIssues(verdict.issues));
  }
  const paths = verdict.issues.map((i) => ({ ...i, path: `payload${i.path.replaceAll('/', '.')}` }));
  throw apiError(
    'validation',
    `the payload does not match the schema of ${eventType}: ${paths.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
  );
}
