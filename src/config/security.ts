import { defaults } from './defaults.ts';
import { Section } from './section.ts';
import { sha256Hex } from './token-hash.ts';
import type { ApiTokenConfig, AuthConfig, MetricsConfig, Role } from './types.ts';

const ROLES: readonly Role[] = ['admin', 'operator', 'viewer'];
const tokenName = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * `auth:` (API tokens with roles and applications, the failed-authentication
 * limit) and `metrics:` (a separate listen address, a bearer token). `apiToken`
 * becomes the admin token named `default`. Tokens are kept as SHA-256 hashes
 * from here on.
 */
export function readSecurity(top: Section, apiToken: string | undefined): { auth: AuthConfig; metrics: MetricsConfig } {
  const auth = top.child('auth');
  auth?.onlyKeys(['tokens', 'failedAuthPerMinute']);
  const tokens: ApiTokenConfig[] =
    apiToken !== undefined ? [{ name: 'default', sha256: sha256Hex(apiToken), role: 'admin', applications: null }] : [];
  const list = auth?.value.tokens;
  if (auth && list !== undefined && list !== null) {
    const entries: Array<[string | number, unknown]> = Array.isArray(list)
      ? list.map((v, i) => [i, v])
      : typeof list === 'object'
        ? Object.entries(list)
        : [];
    if (entries.length === 0 && (typeof list !== 'object' || list === null))
      auth.problem('tokens', 'must be a list or a mapping of tokens');
    const holder = new Section(list as Record<string, unknown>, auth.keyPath('tokens'), auth.problems);
    for (const [key, value] of entries) {
      const t = readToken(holder, key, value);
      if (!t) continue;
      if (tokens.some((o) => o.name === t.name))
        holder.problem(key, `the token name "${t.name}" is used twice${t.name === 'default' ? ' (default is apiToken)' : ''}`);
      else if (tokens.some((o) => o.sha256 === t.sha256)) holder.problem(key, 'the same token is configured twice');
      else tokens.push(t);
    }
  }
  const metrics = top.child('metrics');
  metrics?.onlyKeys(['listen', 'token']);
  const listen = metrics?.str('listen');
  let address: MetricsConfig['listen'] = null;
  if (listen !== undefined) {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(listen);
    const port = m ? Number(m[3]) : NaN;
    if (!m || port > 65535) metrics?.problem('listen', `must be host:port such as 127.0.0.1:9464 (got "${listen}")`);
    else address = { host: m[1] ?? (m[2] || defaults.host), port };
  }
  const token = metrics?.str('token');
  if (token !== undefined && token.length < 16) metrics?.problem('token', 'must be at least 16 characters');
  return {
    auth: { tokens, failedAuthPerMinute: auth?.int('failedAuthPerMinute', { min: 0, max: 100_000 }) ?? defaults.failedAuthPerMinute },
    metrics: { listen: address, token: token ?? null },
  };
}

function readToken(holder: Section, key: string | number, value: unknown): ApiTokenConfig | undefined {
  const t = Section.of(value, holder.keyPath(key), holder.problems);
  if (!t) return undefined;
  t.onlyKeys(['name', 'token', 'sha256', 'role', 'applications']);
  const name = typeof key === 'string' ? (t.str('name') ?? key) : t.str('name', { required: true });
  if (name !== undefined && !tokenName.test(name)) t.problem('name', 'token names use letters, digits, _ . - (at most 64)');
  const token = t.str('token');
  const hash = t.str('sha256');
  if ((token === undefined) === (hash === undefined)) t.problem('token', 'give either token or sha256 (its SHA-256, hex)');
  if (token !== undefined && token.length < 16) t.problem('token', 'must be at least 16 characters');
  if (hash !== undefined && !/^[0-9a-fA-F]{64}$/.test(hash)) t.problem('sha256', 'must be 64 hex digits (the SHA-256 of the token)');
  const role = t.oneOf('role', ROLES, 'viewer');
  if (!t.has('role')) t.problem('role', `required (one of ${ROLES.join(', ')})`);
  const applications = t.strList('applications') ?? null;
  if (name === undefined || role === undefined || (token === undefined && hash === undefined)) return undefined;
  return { name, sha256: token !== undefined ? sha256Hex(token) : (hash as string).toLowerCase(), role, applications };
}
