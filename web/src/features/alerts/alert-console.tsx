/**
 * The alert console (issue 6 §3, SPEC §2.1): the live feed over SSE, most urgent first, with
 * filters by severity, site and state, and the lifecycle actions. Built for the keyboard: j/k move,
 * a acknowledges, r resolves (with a reason), s snoozes, n assigns, c comments, m toggles sound.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AlertWire } from '../../api.js';
import { useSession, can } from '../../session.js';
import { useApi } from '../../hooks/use-api.js';
import { useShortcuts, type Shortcut } from '../../hooks/use-shortcuts.js';
import { useSearchParams } from '../../router.js';
import { SEVERITIES, ALERT_STATES, SEVERITY_RANK } from '../../severity.js';
import { SeverityBadge, StateBadge } from '../../components/badges.js';
import { NotAvailable } from '../../components/load-state.js';
import { formatAge, formatTime, toMs } from '../../time.js';
import { useAlertFeed } from './alert-feed.js';
import { AlertDetail, type DetailHandle } from './alert-detail.js';
import { useScreenHelp } from '../../help.js';
import { FilterSelect } from '../../components/filter-select.js';

type StateFilter = 'unresolved' | (typeof ALERT_STATES)[number];

const STATE_RANK: Record<string, number> = { open: 0, acknowledged: 1, resolved: 2 };

export function sortAlerts(list: readonly AlertWire[]): AlertWire[] {
  return [...list].sort(
    (a, b) =>
      (STATE_RANK[a.state] ?? 3) - (STATE_RANK[b.state] ?? 3) ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      a.priority - b.priority ||
      (toMs(b.last_seen) ?? 0) - (toMs(a.last_seen) ?? 0),
  );
}

export function AlertConsole() {
  const { api, me } = useSession();
  const feed = useAlertFeed();
  const params = useSearchParams();
  const [severity, setSeverity] = useState('');
  const [site, setSite] = useState('');
  const [state, setState] = useState<StateFilter>('unresolved');
  const [selectedId, setSelectedId] = useState<string | null>(params.get('id'));
  const detail = useRef<DetailHandle>(null);
  const severityRef = useRef<HTMLSelectElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const mayAct = can(me, 'alerts.act');

  // Resolved alerts are not in the live feed: ask for them when that filter is chosen.
  const resolved = useApi((signal) => (state === 'resolved' ? api.alerts({ state: 'resolved', limit: 200 }, signal) : Promise.resolve({ alerts: [] })), state, state === 'resolved' ? 15_000 : undefined);

  const source: readonly AlertWire[] = state === 'resolved' ? (resolved.result.data?.alerts ?? []) : [...feed.alerts.values()];
  const sites = useMemo(() => [...new Set([...feed.alerts.values()].map((a) => a.site))].sort(), [feed.alerts]);
  const shown = useMemo(
    () => sortAlerts(source.filter((a) => (!severity || a.severity === severity) && (!site || a.site === site) && (state === 'unresolved' || a.state === state))),
    [source, severity, site, state],
  );
  const selected = shown.find((a) => a.id === selectedId) ?? null;

  useEffect(() => {
    // Nothing selected, or the selection left the list (resolved): take the most urgent.
    if (!selected && shown[0]) setSelectedId(shown[0].id);
  }, [selected, shown]);

  const move = useCallback(
    (by: number) => {
      if (shown.length === 0) return;
      const i = shown.findIndex((a) => a.id === selectedId);
      const next = shown[Math.max(0, Math.min(shown.length - 1, i < 0 ? 0 : i + by))];
      if (!next) return;
      setSelectedId(next.id);
      listRef.current?.querySelector(`[data-id="${CSS.escape(next.id)}"]`)?.scrollIntoView({ block: 'nearest' });
    },
    [shown, selectedId],
  );

  const shortcuts: Shortcut[] = [
    { key: 'j', label: 'Next alert', run: () => move(1) },
    { key: 'k', label: 'Previous alert', run: () => move(-1) },
    { key: 'a', label: 'Acknowledge the selected alert', run: () => mayAct && detail.current?.acknowledge() },
    { key: 'r', label: 'Resolve: type the reason, Enter to confirm', run: () => mayAct && detail.current?.focus('resolve') },
    { key: 's', label: 'Snooze the selected alert (choose how long, Enter)', run: () => mayAct && detail.current?.focus('snooze') },
    { key: 'n', label: 'Assign the selected alert', run: () => mayAct && detail.current?.focus('assign') },
    { key: 'c', label: 'Comment on the selected alert', run: () => mayAct && detail.current?.focus('comment') },
    { key: 'm', label: `Sound on new critical alerts (now ${feed.sound ? 'on' : 'off'})`, run: () => feed.setSound(!feed.sound) },
    { key: '/', label: 'Filter by severity', run: () => severityRef.current?.focus() },
  ];
  useShortcuts(shortcuts);
  useScreenHelp('Alert console', shortcuts);

  if (feed.status === 'unavailable') {
    return (
      <>
        <h1>Alerts</h1>
        <NotAvailable feature="The alert console" />
      </>
    );
  }
  if (feed.status === 'forbidden') {
    return (
      <>
        <h1>Alerts</h1>
        <div className="notice warn">Your role does not see alerts.</div>
      </>
    );
  }

  return (
    <div className="console">
      <section aria-labelledby="alerts-title" style={{ minWidth: 0 }}>
        <div className="row" style={{ justifyContent: 'space-between' }}>
          <h1 id="alerts-title">Alerts</h1>
          <span className={`feed-status ${feed.status}`} role="status">
            {feed.status === 'live' ? 'live' : feed.status === 'connecting' ? 'connecting…' : feed.status === 'reconnecting' ? 'reconnecting…' : 'stream error'}
          </span>
        </div>
        <div className="toolbar" role="search" aria-label="Alert filters">
          <FilterSelect label="Severity" value={severity} options={SEVERITIES} onChange={setSeverity} selectRef={severityRef} />
          <FilterSelect label="Site" value={site} options={sites} onChange={setSite} />
          <label>
            State
            <select value={state} onChange={(e) => setState(e.target.value as StateFilter)}>
              <option value="unresolved">open and acknowledged</option>
              {ALERT_STATES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label className="row" style={{ flexDirection: 'row', alignItems: 'center' }}>
            <input type="checkbox" checked={feed.sound} onChange={(e) => feed.setSound(e.target.checked)} />
            Sound on critical
          </label>
        </div>
        <p className="muted" aria-live="polite">
          {shown.length} alert{shown.length === 1 ? '' : 's'} · press <kbd>?</kbd> for shortcuts
        </p>
        <ul className="alert-list" role="listbox" aria-label="Alerts, most urgent first" ref={listRef} tabIndex={0} aria-activedescendant={selected ? `alert-${selected.id}` : undefined}>
          {shown.map((a) => (
            <li
              key={a.id}
              id={`alert-${a.id}`}
              data-id={a.id}
              role="option"
              aria-selected={a.id === selectedId}
              className={`alert-item ${a.severity}${feed.changed.has(a.id) && a.state === 'open' ? ' fresh' : ''}`}
              onClick={() => setSelectedId(a.id)}
            >
              <span>
                <SeverityBadge severity={a.severity} />
              </span>
              <span className="title">{a.title}</span>
              <span>
                <StateBadge state={a.state} />
              </span>
              <span className="meta">
                {a.site}
                {a.zone ? ` / ${a.zone}` : ''}
                {a.device ? ` · ${a.device}` : ''} · {a.occurrences}× · last {formatTime(a.last_seen)} ({formatAge(a.last_seen)}){a.assignee ? ` · → ${a.assignee}` : ''}
                {a.snoozed_until && (toMs(a.snoozed_until) ?? 0) > Date.now() ? ` · snoozed until ${formatTime(a.snoozed_until)}` : ''}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <section aria-label="Selected alert" style={{ minWidth: 0, overflowY: 'auto' }}>
        {selected ? <AlertDetail ref={detail} alert={selected} mayAct={mayAct} onChanged={(a) => (a.state === 'resolved' ? resolved.reload() : undefined)} /> : <p className="muted">No alert selected.</p>}
      </section>
    </div>
  );
}
