import { useEffect, useState } from 'preact/hooks';

/** The console lives under /console/; its URL (path and query) is its state, so links share and the back button works. */
export const BASE = '/console';

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = to.startsWith('/') ? `${BASE}${to}` : to;
  if (opts.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event('sluice:navigate'));
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const read = () => ({ path: location.pathname.slice(BASE.length) || '/', search: new URLSearchParams(location.search) });
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

/** A link inside the console: a real <a href> (open in a new tab works), handled without a reload. */
export function linkProps(to: string): { href: string; onClick: (e: MouseEvent) => void } {
  return {
    href: `${BASE}${to}`,
    onClick: (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      navigate(to);
      window.scrollTo(0, 0);
    },
  };
}
