import type { FastifyInstance } from 'fastify';
import { explainRejection } from '../../ingest/rejection-reason.ts';
import type { CompiledSource } from '../../ingest/pipeline.ts';
import type { RejectedRequest } from '../../store/console.ts';
import type { Store } from '../../store/store.ts';
import { rejectBadQuery } from './bad-query.ts';
import { pageQuery } from './params.ts';

function rejectionView(r: RejectedRequest): Record<string, unknown> {
  return {
    id: r.id,
    source: r.source,
    timestamp: new Date(r.receivedAt).toISOString(),
    remoteAddress: r.remoteAddress,
    reason: r.reason,
    explanation: explainRejection(r.reason, r.headers, r.receivedAt),
    headers: r.headers,
    bodySize: r.bodySize,
    bodySha256: r.bodySha256,
    bodyHead: r.bodyHead.toString('utf8'),
    bodyTruncated: r.bodySize > r.bodyHead.length,
  };
}

/**
 * `GET /rejected` (requests refused at verification, newest first, with the
 * reason in plain words) and `GET /sources` (each configured source with its
 * ingest path and the last 24 hours' counts).
 */
export async function sourceRoutes(app: FastifyInstance, opts: { store: Store; sources: CompiledSource[] }): Promise<void> {
  const { store } = opts;
  app.get<{ Querystring: { limit: number; iterator?: string; source?: string } }>(
    '/rejected',
    {
      attachValidation: true,
      schema: {
        querystring: {
          type: 'object',
          properties: { ...pageQuery, source: { type: 'string', maxLength: 64 } },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      rejectBadQuery(req);
      const page = await store.listRejections({
        limit: req.query.limit,
        ...(req.query.iterator !== undefined ? { iterator: req.query.iterator } : {}),
        ...(req.query.source !== undefined ? { source: req.query.source } : {}),
      });
      return { ...page, data: page.data.map(rejectionView) };
    },
  );

  app.get('/sources', async () => {
    const since = Date.now() - 86_400_000;
    const [flows, rejections] = await Promise.all([store.flowBySource(since), store.rejectionCounts(since)]);
    const flowOf = new Map(flows.map((f) => [f.source, f]));
    const rejectedOf = new Map(rejections.map((r) => [r.source, r]));
    const data = opts.sources.map((s) => {
      const f = flowOf.get(s.config.name);
      const r = rejectedOf.get(s.config.name);
      return {
        name: s.config.name,
        provider: s.config.provider,
        application: s.config.application,
        appId: s.appId,
        path: `/in/${s.config.name}`,
        last24h: {
          received: f?.received ?? 0,
          verified: f?.verified ?? 0,
          rejected: f?.rejected ?? 0,
          duplicates: f?.duplicates ?? 0,
          delivered: f?.delivered ?? 0,
          failed: f?.failed ?? 0,
        },
        lastReceivedAt: f?.lastReceivedAt ? new Date(f.lastReceivedAt).toISOString() : null,
        lastRejectedAt: r ? new Date(r.lastAt).toISOString() : null,
      };
    });
    return { data };
  });
}
