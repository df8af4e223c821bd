import { safeEqual } from '../signing/compare.ts';
import { OK, fail } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

interface TokenOptions {
  /** Lower-case header name carrying the token, or undefined when it comes in the query. */
  header: string | undefined;
  query: string | undefined;
  /** Text before the token in the header (`Bearer `). */
  prefix: string;
}

/**
 * A shared token, sent back verbatim in a header (`X-Token: …`) or a query
 * parameter (`?token=…`), for senders without signatures (Mollie classic,
 * many SaaS "secret" fields). Compared in constant time against each secret.
 */
export const token: ProviderDefinition<TokenOptions> = {
  name: 'token',
  keys: ['header', 'query', 'prefix'],
  needsSecret: true,
  parseOptions(section) {
    const name = section.str('header');
    const query = section.str('query');
    if ((name === undefined) === (query === undefined)) {
      section.problem('header', 'set exactly one of header or query');
      return undefined;
    }
    if (name !== undefined && !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) section.problem('header', 'is not a valid header name');
    return { header: name?.toLowerCase(), query, prefix: section.str('prefix') ?? '' };
  },
  create(source, options) {
    return {
      verify(req) {
        let given: string | null | undefined;
        if (options.header) {
          given = header(req, options.header);
          if (given !== undefined && !given.startsWith(options.prefix))
            return fail(`${options.header} does not start with "${options.prefix}"`);
          given = given?.slice(options.prefix.length);
        } else {
          try {
            given = new URL(req.url).searchParams.get(options.query ?? '');
          } catch {
            given = undefined;
          }
        }
        if (!given) return fail(options.header ? `missing ${options.header} header` : `missing ${options.query} query parameter`);
        return source.secrets.some((s) => safeEqual(given, s)) ? OK : fail('the token does not match');
      },
      extract: () => ({}),
    };
  },
};
