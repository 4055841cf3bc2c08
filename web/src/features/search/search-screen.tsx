/**
 * Search (issue 6 §5, SPEC §3 `GET /events`, `/events/histogram`): events by time, site, zone,
 * device and kind (a family such as `camera.*` too), a histogram of the same filters and keyset
 * paging. The filters live in the URL, so a search can be reloaded and shared in the room.
 */
import { useMemo, useState, type FormEvent } from 'react';
import type { EventFilters } from '../../api.js';
import { useSession } from '../../session.js';
import { useApi } from '../../hooks/use-api.js';
import { navigate, useSearchParams } from '../../router.js';
import { LoadState } from '../../components/load-state.js';
import { UplotChart } from '../../components/uplot-chart.js';
import { fromLocalInput, toLocalInput } from '../../time.js';
import { SEARCH_KINDS, FAMILIES } from './kinds.js';
import { EventTable } from './event-table.js';
import { densify } from './densify.js';

const FIELDS = ['from', 'to', 'site', 'zone', 'device', 'kind'] as const;
const PAGE_SIZE = 50;

function filtersOf(p: URLSearchParams): EventFilters {
  const f: EventFilters = {};
  for (const k of FIELDS) {
    const v = p.get(k);
    if (v) f[k] = v;
  }
  return f;
}

export function SearchScreen() {
  const { api } = useSession();
  const params = useSearchParams();
  const qs = params.toString();
  const filters = useMemo(() => filtersOf(new URLSearchParams(qs)), [qs]);
  const key = JSON.stringify(filters);
  const [cursors, setCursors] = useState<{ key: string; stack: (string | undefined)[] }>({ key, stack: [undefined] });
  const stack = cursors.key === key ? cursors.stack : [undefined];
  const cursor = stack[stack.length - 1];

  const page = useApi((signal) => api.events({ ...filters, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }, signal), `${key}|${cursor ?? ''}`);
  const hist = useApi((signal) => api.histogram(filters, signal), key);

  const [form, setForm] = useState(() => ({
    from: filters.from ? toLocalInput(Date.parse(filters.from)) : toLocalInput(Date.now() - 24 * 3600_000),
    to: filters.to ? toLocalInput(Date.parse(filters.to)) : '',
    site: filters.site ?? '',
    zone: filters.zone ?? '',
    device: filters.device ?? '',
    kind: filters.kind ?? '',
  }));
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const q = new URLSearchParams();
    const from = fromLocalInput(form.from);
    const to = fromLocalInput(form.to);
    if (from) q.set('from', from);
    if (to) q.set('to', to);
    for (const k of ['site', 'zone', 'device', 'kind'] as const) if (form[k].trim()) q.set(k, form[k].trim());
    navigate(`/search?${q.toString()}`);
  };

  const chart = useMemo(() => {
    const h = hist.result.data;
    if (!h || h.buckets.length === 0) return null;
    const to = filters.to ? Date.parse(filters.to) : Date.now();
    const from = filters.from ? Date.parse(filters.from) : to - 24 * 3600_000;
    return densify(h.buckets, h.interval_ms, from, to);
  }, [hist.result.data, filters.from, filters.to]);

  return (
    <>
      <h1>Search events</h1>
      <form className="toolbar" role="search" aria-label="Event search" onSubmit={submit}>
        <label>
          From
          <input type="datetime-local" value={form.from} onChange={set('from')} />
        </label>
        <label>
          To
          <input type="datetime-local" value={form.to} onChange={set('to')} />
        </label>
        <label>
          Site
          <input value={form.site} onChange={set('site')} size={10} />
        </label>
        <label>
          Zone
          <input value={form.zone} onChange={set('zone')} size={10} />
        </label>
        <label>
          Device
          <input value={form.device} onChange={set('device')} size={12} />
        </label>
        <label>
          Kind
          <select value={form.kind} onChange={set('kind')}>
            <option value="">any</option>
            <optgroup label="Families">
              {FAMILIES.map((f) => (
                <option key={f} value={`${f}.*`}>
                  {f}.*
                </option>
              ))}
            </optgroup>
            <optgroup label="Kinds">
              {SEARCH_KINDS.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </optgroup>
          </select>
        </label>
        <button className="primary" type="submit">
          Search
        </button>
      </form>

      <section className="panel" aria-label="Events over time">
        <h2 style={{ marginTop: 0 }}>Events over time</h2>
        <LoadState result={hist.result} feature="Histogram">
          {(h) =>
            chart ? (
              <UplotChart title={`Events per ${Math.round(h.interval_ms / 60_000)} min`} data={chart.data} xRange={chart.range} series={[{ label: 'events', color: '#5cc8ff', bars: true }]} height={200} />
            ) : (
              <p className="muted">No events in this period.</p>
            )
          }
        </LoadState>
      </section>

      <LoadState result={page.result} feature="Events">
        {(p) => (
          <section aria-label="Results">
            <div className="row" style={{ justifyContent: 'space-between' }}>
              <h2>
                Results <span className="muted">page {stack.length}</span>
              </h2>
              <div className="row">
                <button type="button" disabled={stack.length <= 1} onClick={() => setCursors({ key, stack: stack.slice(0, -1) })}>
                  Newer
                </button>
                <button type="button" disabled={!p.next_cursor} onClick={() => p.next_cursor && setCursors({ key, stack: [...stack, p.next_cursor] })}>
                  Older
                </button>
              </div>
            </div>
            {p.events.length === 0 ? (
              <p className="muted">No events match.</p>
            ) : (
              <EventTable events={p.events} testId="search-results" />
            )}
            <p className="muted">Identifiers (plates, credentials, MAC addresses) appear only as pseudonyms.</p>
          </section>
        )}
      </LoadState>
    </>
  );
}
