/**
 * Administration (issue 6 §8): people and machine tokens (SPEC §5.3; secrets shown once), device
 * import, rules, watchlists (every entry with reason, legal basis and expiry, SPEC §4.6) and the
 * retention / privacy status. Each tab is its own module and says so when this hub lacks its API.
 */
import { useState } from 'react';
import { useSession, can } from '../../session.js';
import { UsersTab } from './users-tab.js';
import { TokensTab } from './tokens-tab.js';
import { ImportTab } from './import-tab.js';
import { RulesTab } from './rules-tab.js';
import { WatchlistsTab } from './watchlists-tab.js';
import { PrivacyTab } from './privacy-tab.js';
import type { Action } from '../../../../src/auth/policy.js';

const TABS = [
  { id: 'users', label: 'Users', action: 'users.manage', render: () => <UsersTab /> },
  { id: 'tokens', label: 'Tokens', action: 'tokens.manage', render: () => <TokensTab /> },
  { id: 'import', label: 'Device import', action: 'devices.write', render: () => <ImportTab /> },
  { id: 'rules', label: 'Rules', action: 'rules.read', render: () => <RulesTab /> },
  { id: 'watchlists', label: 'Watchlists', action: 'watchlists.manage', render: () => <WatchlistsTab /> },
  { id: 'privacy', label: 'Retention & privacy', action: 'privacy.read', render: () => <PrivacyTab /> },
] as const satisfies ReadonlyArray<{ id: string; label: string; action: Action; render: () => React.ReactNode }>;

export function AdminScreen() {
  const { me } = useSession();
  const tabs = TABS.filter((t) => can(me, t.action));
  const [tab, setTab] = useState<string>(tabs[0]?.id ?? 'users');
  const current = tabs.find((t) => t.id === tab) ?? tabs[0];
  return (
    <>
      <h1>Administration</h1>
      <div className="tabs" role="tablist" aria-label="Administration sections">
        {tabs.map((t) => (
          <button key={t.id} id={`tab-${t.id}`} type="button" role="tab" aria-selected={t.id === current?.id} aria-controls={`panel-${t.id}`} onClick={() => setTab(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      {current && (
        <div role="tabpanel" id={`panel-${current.id}`} aria-labelledby={`tab-${current.id}`}>
          {current.render()}
        </div>
      )}
    </>
  );
}
