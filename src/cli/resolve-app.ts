import type { ApiClient } from './client.ts';
import { UsageError } from './client.ts';

/** The reserved application that carries operational webhooks: never what a developer means. */
const OPERATIONAL_UID = 'sluice-operational';

/** `--app`, else the gateway's only application. */
export async function resolveApp(client: ApiClient, app: string | undefined): Promise<string> {
  if (app !== undefined) return app;
  const { body } = await client.get<{ data: Array<{ id: string; uid: string | null }> }>('/app?limit=50');
  const apps = body.data.filter((a) => a.uid !== OPERATIONAL_UID);
  if (apps.length === 1) return (apps[0] as { uid: string | null; id: string }).uid ?? (apps[0] as { id: string }).id;
  if (apps.length === 0) throw new UsageError('the gateway has no application yet: create one, or pass --app');
  throw new UsageError(`the gateway has several applications; pass --app (one of: ${apps.map((a) => a.uid ?? a.id).join(', ')})`);
}
