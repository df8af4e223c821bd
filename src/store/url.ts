/** What a storage URL names; used by the config check (no driver loaded) and by `openStore`. */
export type StorageTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string } | { kind: 'invalid'; problem: string };

/** `sqlite:PATH`, or `postgres://…` / `postgresql://…` (a libpq-style URL). */
export function parseStorageUrl(url: string): StorageTarget {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    return path === '' ? { kind: 'invalid', problem: 'sqlite: needs a path (sqlite:./data/sluice.db)' } : { kind: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return {
        kind: 'invalid',
        problem: `"${redactUrl(url)}" is not a valid PostgreSQL URL (postgres://user:password@host:5432/database)`,
      };
    }
    if (parsed.hostname === '' && !parsed.searchParams.has('host')) {
      return { kind: 'invalid', problem: `"${redactUrl(url)}" names no host (postgres://user:password@host:5432/database)` };
    }
    return { kind: 'postgres', url };
  }
  return { kind: 'invalid', problem: `"${redactUrl(url)}" is neither sqlite:PATH nor postgres://user:password@host:5432/database` };
}

/** The URL with its password replaced, fit for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1****@');
}
