import { historyRouter } from './history-router.ts';

/** The console lives under /console/; its URL (path and query) is its state, so links share and the back button works. */
export const BASE = '/console';

export const { navigate, useLocation, linkProps } = historyRouter(BASE, (to) => (to.startsWith('/') ? `${BASE}${to}` : to), {
  scrollToTop: true,
});
