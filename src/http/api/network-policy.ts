import type { FastifyInstance } from 'fastify';
import { parseCidr } from '../../delivery/ssrf.ts';
import type { ResourceDeps } from './resource-deps.ts';
import { appOf, appParams } from './params.ts';
import { validation } from './errors.ts';
import { policyFor } from '../../delivery/network-policy.ts';

const policyIn = {
  type: 'object',
  properties: {
    allowPrivateNetworks: {
      anyOf: [{ type: 'boolean' }, { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 64 }, { type: 'null' }],
    },
  },
  required: ['allowPrivateNetworks'],
  additionalProperties: false,
} as const;

/**
 * An application's private-network exception, the API's equivalent of
 * `applications.<name>.allowPrivateNetworks`: `true`, a list of CIDRs, or
 * `false`/`null` to remove it. Set by admins only (src/auth/route-access.ts):
 * it lets that application's endpoints reach internal addresses.
 */
export async function networkPolicyRoutes(app: FastifyInstance, deps: ResourceDeps): Promise<void> {
  const { store, config } = deps;
  const view = async (appId: string) => {
    const application = await store.getApplication(appId);
    const stored = await store.getNetworkPolicy(appId);
    const effective = policyFor(config, application ?? { uid: null }, stored);
    return {
      allowPrivateNetworks: effective.allowPrivateNetworks ? true : effective.allowCidrs.length > 0 ? effective.allowCidrs : false,
      source: stored ? 'api' : application?.uid != null && config.applications[application.uid] ? 'config' : 'none',
    };
  };

  app.get<{ Params: { app_id: string } }>('/app/:app_id/network-policy', { schema: { params: appParams } }, async (req) =>
    view(await appOf(store, req.params.app_id)),
  );

  app.put<{ Params: { app_id: string }; Body: { allowPrivateNetworks: boolean | string[] | null } }>(
    '/app/:app_id/network-policy',
    {
      schema: { params: appParams, body: policyIn },
    },
    async (req) => {
      const appId = await appOf(store, req.params.app_id);
      const value = req.body.allowPrivateNetworks;
      if (Array.isArray(value)) {
        const bad = value.find((c) => parseCidr(c) === null);
        if (bad !== undefined) throw validation('body.allowPrivateNetworks', `"${bad}" is not a CIDR such as 10.0.0.0/8 or fd00::/8`);
      }
      const policy =
        value === true
          ? { allowAll: true, allowCidrs: [] }
          : Array.isArray(value) && value.length > 0
            ? { allowAll: false, allowCidrs: value }
            : null;
      await store.setNetworkPolicy(appId, policy, Date.now());
      deps.policies.forget(appId);
      return view(appId);
    },
  );
}
