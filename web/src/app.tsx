/**
 * The dashboard shell: session check (GET /auth/me), login, the nav (what the role may use, from the
 * policy table), the live alert counters, global shortcuts (g + letter to switch screens, ? for
 * help) and the screen for the current path.
 */
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Api, type Me } from './api.js';
import { SessionContext, can, useSession, type Session } from './session.js';
import { navigate, usePath } from './router.js';
import { asApiError } from './hooks/use-api.js';
import { useShortcuts, type Shortcut } from './hooks/use-shortcuts.js';
import { HelpOverlay, type HelpGroup } from './components/help-overlay.js';
import { HelpContext } from './help.js';
import { LoginScreen } from './features/login/login-screen.js';
import { TotpEnrol } from './features/login/totp-enrol.js';
import { AlertFeedProvider, useAlertFeed } from './features/alerts/alert-feed.js';
import { AlertConsole } from './features/alerts/alert-console.js';
import { MapScreen } from './features/map/map-screen.js';
import { DeviceHealth } from './features/devices/device-health.js';
import { HubProblemLink, HubStatusProvider } from './features/devices/hub-panel.js';
import { SearchScreen } from './features/search/search-screen.js';
import { StatsScreen } from './features/stats/stats-screen.js';
import { InvestigationsScreen } from './features/investigations/investigations-screen.js';
import { AdminScreen } from './features/admin/admin-screen.js';
import { AuditScreen } from './features/admin/audit-screen.js';
import type { Action } from '../../src/auth/policy.js';

interface Screen {
  readonly path: string;
  readonly label: string;
  /** Second key after `g`. */
  readonly key: string;
  /** Shown when the role may perform this action. */
  readonly action: Action;
  readonly full?: boolean;
  readonly render: () => ReactNode;
}

const SCREENS: readonly Screen[] = [
  { path: '/map', label: 'Live map', key: 'm', action: 'devices.read', full: true, render: () => <MapScreen /> },
  { path: '/alerts', label: 'Alerts', key: 'a', action: 'alerts.read', render: () => <AlertConsole /> },
  { path: '/devices', label: 'Device health', key: 'd', action: 'devices.read', render: () => <DeviceHealth /> },
  { path: '/search', label: 'Search', key: 's', action: 'events.read', render: () => <SearchScreen /> },
  { path: '/stats', label: 'Statistics', key: 't', action: 'stats.read', render: () => <StatsScreen /> },
  { path: '/investigations', label: 'Investigations', key: 'i', action: 'investigations.approve', render: () => <InvestigationsScreen /> },
  { path: '/admin', label: 'Admin', key: 'x', action: 'users.manage', render: () => <AdminScreen /> },
  { path: '/audit', label: 'Audit', key: 'u', action: 'audit.read', render: () => <AuditScreen /> },
];

export function App() {
  const api = useMemo(() => new Api(), []);
  const [me, setMe] = useState<Me | null>(null);
  const [checked, setChecked] = useState(false);
  const [bootError, setBootError] = useState<string | null>(null);

  useEffect(() => {
    api.onUnauthenticated = () => setMe(null);
    api
      .me()
      .then(setMe)
      .catch((err: unknown) => {
        const e = asApiError(err);
        if (e.status !== 401) setBootError(e.detail);
      })
      .finally(() => setChecked(true));
  }, [api]);

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      setMe(null);
    }
  }, [api]);

  if (!checked) return <p className="muted" role="status" style={{ padding: '2rem' }}>Connecting to the hub…</p>;
  if (!me) {
    return (
      <>
        {bootError && (
          <div className="notice error" role="alert">
            {bootError}
          </div>
        )}
        <LoginScreen api={api} onLoggedIn={() => void api.me().then(setMe)} />
      </>
    );
  }
  if (me.restricted === 'totp_enrolment') {
    return <TotpEnrol api={api} name={me.name} onDone={() => void api.me().then(setMe)} onCancel={() => void logout()} />;
  }
  const session: Session = { api, me, logout };
  return (
    <SessionContext.Provider value={session}>
      <AlertFeedProvider>
        <Shell />
      </AlertFeedProvider>
    </SessionContext.Provider>
  );
}

function Shell() {
  const { me, logout } = useSession();
  const path = usePath();
  const feed = useAlertFeed();
  const [help, setHelp] = useState(false);
  const [screenHelp, setScreenHelp] = useState<HelpGroup | null>(null);
  const [pendingG, setPendingG] = useState(false);
  const screens = SCREENS.filter((s) => can(me, s.action));
  const current = screens.find((s) => path === s.path || path.startsWith(s.path + '/')) ?? null;

  useEffect(() => {
    if (!current && screens[0]) navigate(screens[0].path, true);
  }, [current, screens]);

  useEffect(() => {
    if (current) document.title = `${current.label} — Parapet`;
  }, [current]);

  // `g` waits 2 s for its second key, then gives up (any other key is swallowed meanwhile).
  useEffect(() => {
    if (!pendingG) return;
    const t = window.setTimeout(() => setPendingG(false), 2000);
    return () => window.clearTimeout(t);
  }, [pendingG]);

  const globalShortcuts: Shortcut[] = [
    { key: '?', label: 'Show this help', run: () => setHelp((h) => !h) },
    { key: 'Escape', label: 'Close help, leave a field', run: () => (help ? setHelp(false) : (document.activeElement as HTMLElement | null)?.blur()) },
    { key: 'g', label: 'Go to a screen: g then the screen key', run: () => setPendingG(true) },
  ];
  const goShortcuts: Shortcut[] = screens.map((s) => ({ key: s.key, label: `Go to ${s.label}`, run: () => navigate(s.path) }));
  useShortcuts(globalShortcuts, { enabled: !pendingG, capture: true, swallow: help });
  useShortcuts(
    [...goShortcuts, { key: 'Escape', label: 'cancel', run: () => setPendingG(false) }].map((s) => ({ ...s, run: () => (setPendingG(false), s.run()) })),
    { enabled: pendingG, capture: true, swallow: true },
  );

  const counts = { critical: 0, major: 0 };
  for (const a of feed.alerts.values()) if (a.state === 'open' && (a.severity === 'critical' || a.severity === 'major')) counts[a.severity] += 1;

  const groups: HelpGroup[] = [
    { title: 'Everywhere', shortcuts: globalShortcuts },
    { title: 'Screens (press g, then…)', shortcuts: screens.map((s) => ({ key: s.key, label: s.label })) },
    ...(screenHelp ? [screenHelp] : []),
  ];

  return (
    <HelpContext.Provider value={setScreenHelp}>
      <HubStatusProvider enabled={can(me, 'status.read')}>
        <div className="shell">
          <header className="topbar">
            <a className="brand" href="/map" onClick={(e) => (e.preventDefault(), navigate('/map'))}>
              PARAPET
            </a>
            {feed.status !== 'unavailable' && feed.status !== 'forbidden' && (
              <div className="row" aria-label="Open alerts">
                <a className={`counter critical${counts.critical > 0 ? ' active' : ''}`} href="/alerts" onClick={(e) => (e.preventDefault(), navigate('/alerts'))} aria-label={`${counts.critical} critical alerts open`}>
                  {counts.critical} critical
                </a>
                <a className={`counter major${counts.major > 0 ? ' active' : ''}`} href="/alerts" onClick={(e) => (e.preventDefault(), navigate('/alerts'))} aria-label={`${counts.major} major alerts open`}>
                  {counts.major} major
                </a>
                <span className={`feed-status ${feed.status}`}>{feed.status === 'live' ? 'live' : feed.status}</span>
              </div>
            )}
            <HubProblemLink onOpen={() => navigate('/devices')} />
            {pendingG && <span className="muted" role="status">go to… (press a screen key)</span>}
            <span className="spacer" />
            <button type="button" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts">
              <kbd>?</kbd> Shortcuts
            </button>
            <span>
              {me.name} <span className="muted">({me.role})</span>
            </span>
            <button type="button" onClick={() => void logout()}>
              Sign out
            </button>
          </header>
          <nav className="nav" aria-label="Screens">
            <ul>
              {screens.map((s) => (
                <li key={s.path}>
                  <a href={s.path} aria-current={current?.path === s.path ? 'page' : undefined} onClick={(e) => (e.preventDefault(), navigate(s.path))}>
                    {s.label}
                    <kbd aria-hidden="true">g {s.key}</kbd>
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <main className={current?.full ? 'full' : undefined} id="main">
            {current ? current.render() : <p>No screen is available to your role.</p>}
          </main>
        </div>
      </HubStatusProvider>
      {help && <HelpOverlay groups={groups} onClose={() => setHelp(false)} />}
    </HelpContext.Provider>
  );
}
