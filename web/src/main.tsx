import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Me } from './api.ts';
import { linkProps, navigate, useLocation } from './router.ts';
import { MeContext } from './session.ts';
import { SignIn } from './pages/SignIn.tsx';
import { Overview } from './pages/Overview.tsx';
import { Messages } from './pages/Messages.tsx';
import { MessagePage } from './pages/Message.tsx';
import { Rejected } from './pages/Rejected.tsx';
import { DeadLetters } from './pages/DeadLetters.tsx';
import { Sources } from './pages/Sources.tsx';
import { Applications } from './pages/Applications.tsx';
import { Alerts } from './pages/Alerts.tsx';
import './styles.css';

const NAV = [
  ['/', 'Overview'],
  ['/messages', 'Messages'],
  ['/dead-letters', 'Dead letters'],
  ['/rejected', 'Rejected'],
  ['/sources', 'Sources'],
  ['/applications', 'Applications'],
  ['/alerts', 'Alerts'],
] as const;

function Page({ path }: { path: string }) {
  const message = /^\/messages\/([^/]+)$/.exec(path);
  if (message) return <MessagePage id={decodeURIComponent(message[1] as string)} />;
  switch (path) {
    case '/':
      return <Overview />;
    case '/messages':
      return <Messages />;
    case '/dead-letters':
      return <DeadLetters />;
    case '/rejected':
      return <Rejected />;
    case '/sources':
      return <Sources />;
    case '/applications':
      return <Applications />;
    case '/alerts':
      return <Alerts />;
    default:
      return (
        <p class="empty">
          No such page. <a {...linkProps('/')}>Go to the overview</a>.
        </p>
      );
  }
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const { path } = useLocation();

  useEffect(() => {
    api<Me>('/auth/me').then(setMe, (err) => setMe(err instanceof ApiError && err.status === 401 ? null : null));
    const out = () => setMe(null);
    window.addEventListener('sluice:signed-out', out);
    return () => window.removeEventListener('sluice:signed-out', out);
  }, []);

  if (me === undefined) return <p class="empty">Loading…</p>;
  if (me === null) return <SignIn onSignedIn={setMe} />;

  const signOut = async () => {
    await api('/auth/session', { method: 'DELETE' }).catch(() => undefined);
    setMe(null);
    navigate('/', { replace: true });
  };
  const section = NAV.slice(1).find(([to]) => path === to || path.startsWith(`${to}/`))?.[0] ?? (path === '/' ? '/' : '');

  return (
    <MeContext.Provider value={me}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" {...linkProps('/')}>
          Sluice
        </a>
        <nav aria-label="Console">
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
          <span class="muted">
            {me.name} · {me.role}
          </span>
          <button type="button" class="small" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
    </MeContext.Provider>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
