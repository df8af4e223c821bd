import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { EXPIRED_EVENT, papi, PortalApiError, saveToken, savedToken, type PortalView } from './api.ts';
import { linkProps, navigate, safeNext, useLocation } from './router.ts';
import { PortalContext } from './session.ts';
import { Endpoints } from './pages/Endpoints.tsx';
import { EndpointPage } from './pages/EndpointPage.tsx';
import { AttemptLog, Logs, MessageLog } from './pages/Logs.tsx';
import { Catalog } from './pages/Catalog.tsx';
import { Expired } from './pages/Expired.tsx';
import '../styles.css';
import './portal.css';

type Ended = 'used' | 'expired' | 'ended' | 'unknown' | 'mismatch';
type Boot = { state: 'loading' } | { state: 'ready'; view: PortalView } | { state: 'ended'; reason: Ended };

const NAV = [
  ['/endpoints', 'Endpoints'],
  ['/logs', 'Logs'],
  ['/catalog', 'Event catalog'],
] as const;

/** The URL's one-time key, exchanged once for a session; the fragment is wiped first so a reload cannot reuse it. */
async function start(): Promise<Boot> {
  const key = new URLSearchParams(location.hash.slice(1)).get('key');
  const search = new URLSearchParams(location.search);
  if (key) {
    history.replaceState(null, '', `${location.pathname}${location.search}`);
    try {
      const s = await papi<{ token: string }>('/auth/portal-session', { method: 'POST', json: { key } });
      saveToken(s.token);
    } catch (err) {
      saveToken(null);
      const code = err instanceof PortalApiError ? err.code : '';
      return { state: 'ended', reason: code === 'link_used' ? 'used' : code === 'link_expired' ? 'expired' : 'unknown' };
    }
    const next = safeNext(search.get('next'));
    search.delete('next');
    const q = search.toString();
    history.replaceState(null, '', `/portal${next ?? '/endpoints'}${q ? `?${q}` : ''}`);
    window.dispatchEvent(new Event('sluice:navigate'));
  } else if (!savedToken()) {
    return { state: 'ended', reason: 'expired' };
  }
  try {
    const view = await papi<PortalView>('/auth/portal-session');
    const app = search.get('app');
    if (app && app !== view.appId && app !== view.appUid) return { state: 'ended', reason: 'mismatch' };
    return { state: 'ready', view };
  } catch {
    saveToken(null);
    return { state: 'ended', reason: 'ended' };
  }
}

function Page({ path }: { path: string }) {
  const ep = /^\/endpoints\/([^/]+)$/.exec(path);
  if (ep && ep[1] !== 'new') return <EndpointPage id={decodeURIComponent(ep[1] as string)} />;
  const attempt = /^\/logs\/([^/]+)\/([^/]+)$/.exec(path);
  if (attempt) return <AttemptLog msgId={decodeURIComponent(attempt[1] as string)} attemptId={decodeURIComponent(attempt[2] as string)} />;
  const msg = /^\/logs\/([^/]+)$/.exec(path);
  if (msg) return <MessageLog msgId={decodeURIComponent(msg[1] as string)} />;
  switch (path) {
    case '/':
    case '/endpoints':
      return <Endpoints creating={false} />;
    case '/endpoints/new':
      return <Endpoints creating />;
    case '/logs':
      return <Logs />;
    case '/catalog':
      return <Catalog />;
    default:
      return (
        <p class="empty">
          No such page. <a {...linkProps('/endpoints')}>Go to the endpoints</a>.
        </p>
      );
  }
}

function App() {
  const [boot, setBoot] = useState<Boot>({ state: 'loading' });
  const { path, search } = useLocation();

  useEffect(() => {
    void start().then(setBoot);
    const ended = () => {
      saveToken(null);
      setBoot({ state: 'ended', reason: 'ended' });
    };
    window.addEventListener(EXPIRED_EVENT, ended);
    return () => window.removeEventListener(EXPIRED_EVENT, ended);
  }, []);

  const dark = search.get('darkMode');
  useEffect(() => {
    document.documentElement.classList.toggle('portal-dark', dark === 'true');
    document.documentElement.classList.toggle('portal-light', dark === 'false');
  }, [dark]);
  const color = boot.state === 'ready' ? boot.view.branding.primaryColor : null;
  useEffect(() => {
    if (color) document.documentElement.style.setProperty('--accent', color);
  }, [color]);

  if (boot.state === 'loading')
    return (
      <p class="empty" role="status">
        Loading…
      </p>
    );
  if (boot.state === 'ended') return <Expired reason={boot.reason} />;
  const { view } = boot;
  document.title = `${view.appName} · Webhooks`;
  const hideNav = search.get('hideNavigation') === 'true';
  const section = NAV.find(([to]) => path === to || path.startsWith(`${to}/`))?.[0] ?? (path === '/' ? '/endpoints' : '');
  const logout = async () => {
    await papi('/auth/logout', { method: 'POST', json: {} }).catch(() => undefined);
    saveToken(null);
    setBoot({ state: 'ended', reason: 'ended' });
  };

  return (
    <PortalContext.Provider value={view}>
      <div class="portal-root">
        {!hideNav && (
          <header class="top">
            <a class="brand portal-brand" {...linkProps('/endpoints')}>
              {view.branding.logoUrl && <img src={view.branding.logoUrl} alt="" />}
              <span>{view.appName}</span>
            </a>
            <nav aria-label="Portal">
              <ul>
                {NAV.map(([to, label]) => (
                  <li key={to}>
                    <a {...linkProps(to)} aria-current={section === to ? 'page' : undefined}>
                      {label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <div class="who">
              {!view.capabilities.some((c) => c !== 'ViewBase' && c !== 'ViewEndpointSecret') && <span class="muted">Read only</span>}
              <button type="button" class="small" onClick={logout}>
                Sign out
              </button>
            </div>
          </header>
        )}
        <main id="main" tabIndex={-1}>
          <Page path={path} />
        </main>
      </div>
    </PortalContext.Provider>
  );
}

if (location.pathname === '/portal') navigate('/', { replace: true });
render(<App />, document.getElementById('app') as HTMLElement);
