import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CompiledSource, IngestPipeline, IngestReply } from '../ingest/pipeline.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { seenUrl } from '../providers/seen-url.ts';
import { sendFrameworkError, sendIngestError } from '../error-catalogue.ts';

const OTHER_METHODS = ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * `POST /in/:source`. Each source gets its own route so its body limit is
 * enforced while the body streams in (Fastify stops reading at the limit),
 * and the body arrives as the raw Buffer, whatever its content type.
 */
export async function ingestRoutes(
  app: FastifyInstance,
  opts: { pipeline: IngestPipeline; sources: CompiledSource[]; metrics: Metrics; log: Logger; trustProxy?: boolean },
): Promise<void> {
  const { pipeline, metrics, log } = opts;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const source = (req.params as { source?: string }).source ?? req.url.slice('/in/'.length).split(/[/?]/)[0] ?? '';
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      metrics.rejected.inc({ source, reason: 'too_large' });
      log.info({ source, decision: 'rejected', reason: 'body too large' }, 'ingest');
      return sendIngestError(reply, 'payload_too_large', err.message);
    }
    const status = err.statusCode ?? 500;
    if (status < 500) return sendFrameworkError(reply, 'ingest', { statusCode: status, message: err.message, code: err.code });
    log.error({ err, source }, 'ingest: unexpected error');
    return sendIngestError(reply, 'internal_error', 'the gateway failed to handle this request');
  });

  const send = (reply: FastifyReply, out: IngestReply): FastifyReply =>
    reply.code(out.status).headers(out.headers).type(out.contentType).send(out.body);

  for (const source of opts.sources) {
    const url = `/in/${source.config.name}`;
    app.post(url, { bodyLimit: source.config.maxBodySize }, async (req: FastifyRequest, reply) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const out = await pipeline.handle(source, {
        rawBody,
        headers: req.headers,
        method: req.method,
        remoteAddress: req.ip,
        url: seenUrl(
          { path: req.url, headers: req.headers, protocol: req.protocol, host: req.host },
          { publicUrl: source.config.publicUrl, trustProxy: opts.trustProxy ?? false },
        ),
      });
      return send(reply, out);
    });
    app.route({
      method: [...OTHER_METHODS],
      url,
      handler: async (_req, reply) => sendIngestError(reply.header('allow', 'POST'), 'method_not_allowed', `${url} accepts POST only`),
    });
  }

  // Answered in onRequest, before any body is read: an unknown source costs nothing.
  app.all(
    '/in/*',
    {
      onRequest: async (req, reply) => {
        const name = req.url.slice('/in/'.length).split(/[/?]/)[0] ?? '';
        metrics.rejected.inc({ source: '(unknown)', reason: 'unknown_source' });
        return sendIngestError(reply, 'unknown_source', `no source named "${decodeSafe(name)}"`);
      },
    },
    async () => undefined,
  );
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text).slice(0, 64);
  } catch {
    return text.slice(0, 64);
  }
}
