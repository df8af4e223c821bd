import { safeEqual } from '../signing/compare.ts';
import { OK, fail, text, time } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

/**
 * GitLab: no signature, the hook's secret token comes back verbatim in
 * `X-Gitlab-Token`; compared in constant time against each secret.
 */
export const gitlab: ProviderDefinition<Record<string, never>> = {
  name: 'gitlab',
  keys: [],
  needsSecret: true,
  parseOptions: () => ({}),
  create(source) {
    return {
      verify(req) {
        const token = header(req, 'x-gitlab-token');
        if (!token) return fail('missing X-Gitlab-Token header');
        return source.secrets.some((s) => safeEqual(token, s)) ? OK : fail('X-Gitlab-Token does not match');
      },
      extract(req, body) {
        const project = text(body, 'project', 'id') ?? text(body, 'project_id');
        const iid = text(body, 'object_attributes', 'iid');
        return {
          // Idempotency-Key is stable across GitLab's retries of one event; the UUID is the fallback.
          eventId: header(req, 'idempotency-key') ?? header(req, 'x-gitlab-event-uuid'),
          eventType: header(req, 'x-gitlab-event') ?? text(body, 'object_kind'),
          occurredAt: time(body, 'object_attributes', 'updated_at'),
          orderingKey: project && iid ? `${project}:${text(body, 'object_kind') ?? ''}:${iid}` : project,
        };
      },
    };
  },
};
