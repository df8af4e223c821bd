import { useEffect, useState } from 'preact/hooks';

/** A router over the history API for a front end living under `base`; `href` turns an in-app path into the URL to show. */
export interface HistoryRouter {
  navigate(to: string, opts?: { replace?: boolean }): void;
  useLocation(): { path: string; search: URLSearchParams };
  /** A real <a href> (open in a new tab works), followed without a reload. */
  linkProps(to: string): { href: string; onClick: (e: MouseEvent) => void };
}

export function historyRouter(base: string, href: (to: string) => string, opts: { scrollToTop?: boolean } = {}): HistoryRouter {
  const navigate = (to: string, o: { replace?: boolean } = {}): void => {
    const url = href(to);
    if (o.replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    window.dispatchEvent(new Event('sluice:navigate'));
  };
  const useLocation = (): { path: string; search: URLSearchParams } => {
    const read = () => ({
      path: location.pathname.slice(base.length).replace(/(.)\/$/, '$1') || '/',
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
  };
  const linkProps = (to: string): { href: string; onClick: (e: MouseEvent) => void } => ({
    href: href(to),
    onClick: (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      navigate(to);
      if (opts.scrollToTop) window.scrollTo(0, 0);
    },
  });
  return { navigate, useLocation, linkProps };
}
