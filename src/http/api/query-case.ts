import type { FastifyInstance } from 'fastify';

/** Svix's clients send query parameters in snake_case; the routes declare them in camelCase. */
const NAMES: Record<string, string> = {
  event_types: 'eventTypes',
  with_content: 'withContent',
  get_if_exists: 'getIfExists',
  include_archived: 'includeArchived',
  endpoint_id: 'endpointId',
  status_code_class: 'statusCodeClass',
  with_msg: 'withMsg',
  exclude_apps_with_no_endpoints: 'excludeAppsWithNoEndpoints',
  exclude_apps_with_disabled_endpoints: 'excludeAppsWithDisabledEndpoints',
  exclude_apps_with_svix_play_endpoints: 'excludeAppsWithSvixPlayEndpoints',
};
/** Presentation flags Svix's clients always send; Sluice's answers already carry what they ask for. */
const IGNORED = ['expanded_statuses'];

export function snakeCaseQuery(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    const query = req.query as Record<string, unknown> | undefined;
    if (!query || typeof query !== 'object') return;
    for (const name of IGNORED) delete query[name];
    for (const [from, to] of Object.entries(NAMES)) {
      if (from in query && !(to in query)) {
        query[to] = query[from];
        delete query[from];
      }
    }
  });
}
