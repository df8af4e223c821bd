import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where Vite puts the front end (`npm run build`): `dist/web/`, the same from the sources and from the compiled build. */
export const webRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'web');

const PAGE_HEADERS = {
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/** The hashed assets of both pages (one Vite build) under `/console/assets/`, cached for a year: a new build has new names. */
export async function builtAssets(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, {
    root: join(root, 'assets'),
    prefix: '/console/assets/',
    immutable: true,
    maxAge: '365d',
    index: false,
    wildcard: true,
    decorateReply: false,
  });
}

/**
 * The operator console: hashed assets under `/console/assets/` cached for a
 * year (`immutable`: a new build has new names), and every other
 * `/console/*` path answered with the page itself, whose router shows the
 * view (so a link to a message opens in a new tab). `GET /` goes there.
 */
export async function consoleStatic(app: FastifyInstance, opts: { root?: string } = {}): Promise<void> {
  const root = opts.root ?? webRoot;
  const indexFile = join(root, 'index.html');
  const built = existsSync(indexFile);
  const page = built ? readFileSync(indexFile) : undefined;

  if (built) await builtAssets(app, root);
  app.get('/', async (_req, reply) => reply.redirect('/console/', 302));
  const serve = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    if (!page) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The console is not built: run `npm run build` (it needs the dev dependencies) and start the gateway again.\n');
    }
    return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(page);
  };
  app.get('/console', async (_req, reply) => reply.redirect('/console/', 301));
  app.get('/console/', serve);
  app.get('/console/*', serve);
}
