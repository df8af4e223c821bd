import { useEffect, useState } from 'preact/hooks';

/** The portal lives under /portal/; its embedding options (`app`, `darkMode`, `hideNavigation`) ride along every link. */
export const BASE = '/portal';
const KEPT = ['app', 'darkMode', 'hideNavigation'];

function withKept(to: string): string {
  const [path, query = ''] = to.split('?');
  const params = new URLSearchParams(query);
  const here = new URLSearchParams(location.search);
  for (const k of KEPT) if (here.has(k) && !params.has(k)) params.set(k, here.get(k) as string);
  const q = params.toString();
  return `${BASE}${path}${q ? `?${q}` : ''}`;
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = withKept(to);
  if (opts.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event('sluice:navigate'));
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const read = () => ({
    path: location.pathname.slice(BASE.length).replace(/\/$/, '') || '/',
    search: new URLSearchParams(location.search),
  });
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const on = () => setLoc(read());
    window.addEventListener('popstate', on);
    window.addEventListener('sluice:navigate', on);
    return () => {
      window.removeEventListener('popstate', on);
      window.removeEventListener('sluice:navigate', on);
    };
  }, []);
  return loc;
}

export function linkProps(to: string): { href: string; onClick: (e: MouseEvent) => void } {
  return {
    href: withKept(to),
    onClick: (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      navigate(to);
    },
  };
}

/** A deep link of the `next` parameter, if it is a path inside the portal (never another site). */
export function safeNext(next: string | null): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || /[\\\s]/.test(next)) return null;
  return next;
}
