import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PortalConfig } from '../config/portal.ts';
import type { Store } from '../store/store.ts';
import { builtAssets, webRoot } from './console-static.ts';

/** The page's policy: its own scripts and API only; logos may come from the platform's https host; framing is the operator's list. */
export function portalCsp(frameAncestors: readonly string[]): string {
  const ancestors = frameAncestors.length > 0 ? frameAncestors.join(' ') : "'none'";
  return `default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors ${ancestors}; base-uri 'none'; form-action 'self'`;
}

/**
 * The customer portal at `/portal/`: every path answered with the page (its
 * router shows the view, so a deep link opens where it points). The page is
 * the only part whose headers matter for framing: `frame-ancestors` is the
 * application's own list when the URL names it (`?app=`), else
 * `portal.frameAncestors`.
 */
export async function portalStatic(
  app: FastifyInstance,
  opts: { store: Store; portal: PortalConfig; serveAssets: boolean; root?: string },
): Promise<void> {
  const root = opts.root ?? webRoot;
  const file = join(root, 'portal', 'index.html');
  const page = existsSync(file) ? readFileSync(file) : undefined;
  // The page's assets live beside the console's; without the console they are served here.
  if (page && opts.serveAssets) await builtAssets(app, root);

  const ancestorsFor = async (appParam: unknown): Promise<readonly string[]> => {
    if (typeof appParam !== 'string' || appParam === '' || appParam.length > 256) return opts.portal.frameAncestors;
    const application = await opts.store.getApplication(appParam);
    const settings = application ? await opts.store.getPortalSettings(application.id) : null;
    return settings?.frameAncestors ?? opts.portal.frameAncestors;
  };

  const serve = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!page) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The portal is not built: run `npm run build` (it needs the dev dependencies) and start the gateway again.\n');
    }
    const ancestors = await ancestorsFor((req.query as Record<string, unknown> | undefined)?.app);
    return reply
      .headers({
        'cache-control': 'no-store',
        'content-security-policy': portalCsp(ancestors),
        'x-content-type-options': 'nosniff',
        // The key is in the fragment, which browsers never send; no-referrer keeps the page's own URL to itself too.
        'referrer-policy': 'no-referrer',
      })
      .type('text/html; charset=utf-8')
      .send(page);
  };
  app.get('/portal', async (req, reply) => reply.redirect(`/portal/${req.url.slice('/portal'.length)}`, 301));
  app.get('/portal/', serve);
  app.get('/portal/*', serve);
}
