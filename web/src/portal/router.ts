import { historyRouter } from '../history-router.ts';

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

export const { navigate, useLocation, linkProps } = historyRouter(BASE, withKept);

/** A deep link of the `next` parameter, if it is a path inside the portal (never another site). */
export function safeNext(next: string | null): string | null {
  if (!next?.startsWith('/') || next.startsWith('//') || /[\\\s]/.test(next)) return null;
  return next;
}
