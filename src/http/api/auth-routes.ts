import type { FastifyInstance } from 'fastify';
import { principalOf } from './auth.ts';

/** `GET /auth/me`: who the caller is, as the server sees it (what the console and the portal show and hide by). */
export async function authRoutes(app: FastifyInstance): Promise<void> {
  app.get('/auth/me', async (req) => {
    const p = principalOf(req);
    return {
      kind: p.kind,
      name: p.name,
      role: p.role,
      applications: p.applications,
      ...(p.capabilities ? { capabilities: p.capabilities } : {}),
    };
  });
}
