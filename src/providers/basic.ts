import { safeEqual } from '../signing/compare.ts';
import { OK, fail } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

interface BasicOptions {
  username: string;
  /** `password` plus any `secret`/`secrets` (rotation). */
  passwords: string[];
}

/**
 * HTTP Basic authentication, for senders that only offer credentials in the
 * URL (Postmark, many form tools). Username and password are compared in
 * constant time; every configured password is accepted.
 */
export const basic: ProviderDefinition<BasicOptions> = {
  name: 'basic',
  keys: ['username', 'password'],
  needsSecret: false,
  parseOptions(section) {
    const username = section.str('username', { required: true });
    const password = section.str('password');
    const extra = section.has('secrets') ? (section.strList('secrets') ?? []) : section.has('secret') ? [section.str('secret') ?? ''] : [];
    const passwords = [password, ...extra].filter((p): p is string => typeof p === 'string' && p !== '');
    if (passwords.length === 0) section.problem('password', 'required by provider basic (or secrets, for rotation)');
    return username === undefined || passwords.length === 0 ? undefined : { username, passwords };
  },
  create(_source, options) {
    return {
      verify(req) {
        const auth = header(req, 'authorization');
        if (!auth || !/^basic /i.test(auth)) return fail('missing Authorization: Basic header');
        const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon < 0) return fail('Authorization: Basic is not user:password');
        const userOk = safeEqual(decoded.slice(0, colon), options.username);
        const passOk = options.passwords.some((p) => safeEqual(decoded.slice(colon + 1), p));
        return userOk && passOk ? OK : fail('wrong username or password');
      },
      extract: () => ({}),
    };
  },
};
