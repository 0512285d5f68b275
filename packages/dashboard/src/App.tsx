/** The shell: sign-in, then the navigation, the environment picker, the emergency banner and one view. */
import { useCallback, useEffect, useState } from 'react';
import { LiveProvider, useLiveState } from './live';
import { Link, navigate, usePath } from './router';
import { type Identity, SessionProvider, signIn, storedToken, useSession } from './session';
import { Loading } from './ui/Status';
import { AuditPage } from './views/audit/AuditPage';
import { EmergencyBanner } from './views/EmergencyBanner';
import { EmergencyPage } from './views/emergency/EmergencyPage';
import { ExperimentsPage } from './views/experiments/ExperimentsPage';
import { ExperimentView } from './views/experiments/ExperimentView';
import { FlagEditor } from './views/flags/FlagEditor';
import { FlagsPage } from './views/flags/FlagsPage';
import { RolloutsPage } from './views/rollouts/RolloutsPage';
import { RunView } from './views/rollouts/RunView';
import { SignIn } from './views/SignIn';
import { TrafficPage } from './views/traffic/TrafficPage';

interface SignedIn {
  token: string;
  identity: Identity;
  environments: string[];
}

const NAV = [
  ['/rollouts', 'Rollouts'],
  ['/traffic', 'Traffic'],
  ['/flags', 'Flags'],
  ['/experiments', 'Experiments'],
  ['/emergency', 'Emergency'],
  ['/audit', 'Audit log'],
] as const;

export function App({ fetchImpl }: { fetchImpl?: typeof fetch } = {}) {
  const [signedIn, setSignedIn] = useState<SignedIn | null>(null);
  const [restoring, setRestoring] = useState(() => storedToken() !== null);
  useEffect(() => {
    const token = storedToken();
    if (!token) return;
    signIn(token, fetchImpl).then(
      (r) => {
        setSignedIn({ token, ...r });
        setRestoring(false);
      },
      () => setRestoring(false),
    );
  }, [fetchImpl]);
  const signOut = useCallback(() => setSignedIn(null), []);
  if (restoring) return <Loading what="your session" />;
  if (!signedIn)
    return (
      <SignIn
        fetchImpl={fetchImpl}
        onSignedIn={(token, identity, environments) => setSignedIn({ token, identity, environments })}
      />
    );
  return (
    <SessionProvider {...signedIn} onSignOut={signOut} fetchImpl={fetchImpl}>
      <LiveProvider>
        <Shell />
      </LiveProvider>
    </SessionProvider>
  );
}

function Shell() {
  const { path } = usePath();
  const { identity, environments, environment, setEnvironment, signOut, can } = useSession();
  const live = useLiveState();
  const [theme, setTheme] = useState(() => localStorage.getItem('sluice.theme') ?? 'auto');
  useEffect(() => {
    if (theme === 'auto') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    localStorage.setItem('sluice.theme', theme);
  }, [theme]);
  useEffect(() => {
    if (path === '/') navigate('/rollouts');
  }, [path]);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <strong className="brand">Sluice</strong>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <Link href={href} aria-current={path.startsWith(href) ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <label>
            Environment{' '}
            <select value={environment} onChange={(e) => setEnvironment(e.target.value)}>
              {environments.map((e) => (
                <option key={e}>{e}</option>
              ))}
            </select>
          </label>
          <label>
            Theme{' '}
            <select value={theme} onChange={(e) => setTheme(e.target.value)}>
              <option value="auto">system</option>
              <option value="light">light</option>
              <option value="dark">dark</option>
            </select>
          </label>
          <span title={identity.scopes.join(', ')}>
            {identity.subject}
            {can('write') ? '' : ' (read-only)'}
          </span>
          <span className={`live live-${live.state}`} role="status" title={live.detail ?? undefined}>
            {live.state === 'live' ? 'live' : live.state === 'connecting' ? 'connecting…' : 'reconnecting…'}
          </span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <EmergencyBanner />
      <main id="main" tabIndex={-1}>
        <View path={path} />
      </main>
    </>
  );
}

function View({ path }: { path: string }) {
  const [, section, rest] = /^\/([^/]*)\/?(.*)$/.exec(path) ?? [];
  const item = rest ? decodeURIComponent(rest) : null;
  switch (section) {
    case 'rollouts':
      return item ? <RunView id={item} /> : <RolloutsPage />;
    case 'flags':
      return item ? <FlagEditor name={item} /> : <FlagsPage />;
    case 'traffic':
      return <TrafficPage />;
    case 'experiments':
      return item ? <ExperimentView experiment={item} /> : <ExperimentsPage />;
    case 'emergency':
      return <EmergencyPage />;
    case 'audit':
      return <AuditPage />;
    default:
      return <p>Nothing here: pick a view above.</p>;
  }
}
