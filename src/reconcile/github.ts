import type { Octokit } from '@octokit/rest';
import type { ReconcileConfig } from '../config/reconcile.ts';
import type { ListedEvent, ProviderLister } from './provider.ts';
import { withRetry } from './retry.ts';

type GithubReconcile = Extract<ReconcileConfig, { provider: 'github' }>;

/** The `cursor` of a `Link: <…>; rel="next"` header, which is how GitHub pages hook deliveries. */
export function nextCursor(link: string | undefined): string | undefined {
  const next = link
    ?.split(',')
    .find((part) => /rel="next"/.test(part))
    ?.match(/<([^>]+)>/)?.[1];
  return next ? (new URL(next).searchParams.get('cursor') ?? undefined) : undefined;
}

/**
 * A repository's or organization's hook deliveries through `@octokit/rest`,
 * newest first, until they are older than the look-back. Redeliveries share
 * their delivery's GUID (the `X-GitHub-Delivery` the source dedupes on), so
 * each GUID is listed once; its payload comes from the delivery's own record.
 */
export function githubLister(config: GithubReconcile, given?: Octokit): ProviderLister {
  let client: Octokit | undefined = given;
  const listPage = (api: Octokit, cursor: string | undefined) =>
    withRetry(() =>
      config.org !== undefined
        ? api.rest.orgs.listWebhookDeliveries({ org: config.org, hook_id: config.hookId, per_page: 100, ...(cursor ? { cursor } : {}) })
        : api.rest.repos.listWebhookDeliveries({
            owner: config.owner as string,
            repo: config.repo as string,
            hook_id: config.hookId,
            per_page: 100,
            ...(cursor ? { cursor } : {}),
          }),
    );
  const getOne = (api: Octokit, id: number) =>
    withRetry(() =>
      config.org !== undefined
        ? api.rest.orgs.getWebhookDelivery({ org: config.org, hook_id: config.hookId, delivery_id: id })
        : api.rest.repos.getWebhookDelivery({
            owner: config.owner as string,
            repo: config.repo as string,
            hook_id: config.hookId,
            delivery_id: id,
          }),
    );
  const redeliver = (api: Octokit, id: number) =>
    withRetry(() =>
      config.org !== undefined
        ? api.rest.orgs.redeliverWebhookDelivery({ org: config.org, hook_id: config.hookId, delivery_id: id })
        : api.rest.repos.redeliverWebhookDelivery({
            owner: config.owner as string,
            repo: config.repo as string,
            hook_id: config.hookId,
            delivery_id: id,
          }),
    );
  return {
    async *list(since: number): AsyncIterable<ListedEvent> {
      // Loaded on first use, like the Stripe client.
      client ??= new (await import('@octokit/rest')).Octokit({
        auth: config.token,
        ...(config.apiBase ? { baseUrl: config.apiBase.replace(/\/+$/, '') } : {}),
      });
      const api = client;
      const seen = new Set<string>();
      let cursor: string | undefined;
      for (;;) {
        const res = await listPage(api, cursor);
        let older = false;
        for (const d of res.data) {
          if (Date.parse(d.delivered_at) < since) {
            older = true;
            continue;
          }
          if (seen.has(d.guid)) continue;
          seen.add(d.guid);
          yield {
            id: d.guid,
            fetch: async () => {
              const full = (await getOne(api, d.id)).data;
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(full.request.headers ?? {})) if (typeof v === 'string') headers[k.toLowerCase()] = v;
              headers['x-github-delivery'] ??= d.guid;
              headers['x-github-event'] ??= d.event;
              headers['content-type'] ??= 'application/json';
              const payload = full.request.payload;
              return { body: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload ?? {})), headers };
            },
            redeliver: async () => void (await redeliver(api, d.id)),
          };
        }
        cursor = nextCursor(res.headers.link);
        if (older || !cursor) return;
      }
    },
  };
}
