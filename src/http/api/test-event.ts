import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/types.ts';
import { apiError } from '../../error-catalogue.ts';
import { findFixture, fixturesOf } from '../../fixtures/catalog.ts';
import { buildEvent } from '../../fixtures/build.ts';
import { canSign } from '../../fixtures/sign.ts';
import type { CompiledSource, IngestPipeline } from '../../ingest/pipeline.ts';
import { pathParams } from './params.ts';

/**
 * `POST /api/v1/source/{name}/test-event` (the console's "Send test event"):
 * a realistic sample for the source's provider, signed with the source's own
 * secret, sent through the real ingest path (verification included), so what
 * the button shows is what the provider would get. Same fixtures and signing
 * as `sluice trigger`.
 */
export async function testEventRoutes(
  app: FastifyInstance,
  opts: { pipeline: IngestPipeline; sources: CompiledSource[]; config: Config },
): Promise<void> {
  const byName = new Map(opts.sources.map((s) => [s.config.name, s]));
  app.post<{ Params: { name: string }; Body: { event?: string } | null }>(
    '/source/:name/test-event',
    {
      schema: {
        params: pathParams({ name: { type: 'string', minLength: 1, maxLength: 64 } }),
        body: {
          type: ['object', 'null'],
          properties: { event: { type: 'string', minLength: 1, maxLength: 128 } },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const source = byName.get(req.params.name);
      if (!source) throw apiError('not_found', `no source named "${req.params.name}"`);
      const provider = source.config.provider;
      const fixtures = fixturesOf(provider);
      if (!canSign(provider) || fixtures.length === 0) {
        throw apiError('provider_unsupported', `test events cannot be made for provider ${provider} (source ${source.config.name})`);
      }
      const secret = source.config.secrets[0];
      if (secret === undefined) throw apiError('no_secret', `source ${source.config.name} has no secret to sign with`);
      const eventName = req.body?.event ?? (fixtures.find((f) => f.event === defaultEvent(provider)) ?? fixtures[0])?.event ?? '';
      const fixture = findFixture(provider, eventName);
      if (!fixture) {
        throw apiError('unknown_event', `no ${provider} test event "${eventName}"; known: ${fixtures.map((f) => f.event).join(', ')}`);
      }
      const host = opts.config.server.host === '0.0.0.0' || opts.config.server.host === '::' ? '127.0.0.1' : opts.config.server.host;
      const url =
        source.config.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${opts.config.server.port}/in/${source.config.name}`;
      const built = buildEvent(fixture, { provider, secret, url });
      const out = await opts.pipeline.handle(source, { rawBody: built.body, headers: built.headers, method: 'POST', url });
      let body: unknown = out.body;
      if (out.contentType.startsWith('application/json')) {
        try {
          body = JSON.parse(out.body);
        } catch {
          // Left as text.
        }
      }
      const msgId =
        body !== null && typeof body === 'object' && typeof (body as { id?: unknown }).id === 'string'
          ? (body as { id: string }).id
          : undefined;
      return { status: out.status, event: fixture.event, body, ...(msgId ? { msgId } : {}) };
    },
  );
}

/** The event a button press sends when none is named: the one each provider's users test with first. */
function defaultEvent(provider: string): string {
  return (
    (
      {
        stripe: 'payment_intent.succeeded',
        github: 'push',
        shopify: 'orders/create',
        slack: 'event_callback',
        twilio: 'sms.status',
      } as Record<string, string>
    )[provider] ?? 'generic'
  );
}
