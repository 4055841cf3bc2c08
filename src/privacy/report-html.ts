/** The transparency report (report.ts) as one readable, self-contained HTML page with inline SVG charts. */
import { barChart, esc, page, table } from './html-kit.js';
import type { TransparencyReport } from './report.js';

const family = (kind: string): string => kind.replace(/\..*$/, '');

function byFamily(counts: Record<string, number>): Array<[string, number]> {
  const out = new Map<string, number>();
  for (const [kind, n] of Object.entries(counts)) out.set(family(kind), (out.get(family(kind)) ?? 0) + n);
  return [...out].sort(([a], [b]) => a.localeCompare(b));
}

export function renderTransparencyHtml(r: TransparencyReport): string {
  const sensorsByType = new Map<string, number>();
  for (const s of r.sensors.by_type_and_site) sensorsByType.set(s.type, (sensorsByType.get(s.type) ?? 0) + s.count);
  const inv = r.investigations;
  const body = [
    `<h1>${esc(r.title)}</h1>`,
    `<p class="meta">Period ${esc(r.period.from)} to ${esc(r.period.to)} · generated ${esc(r.generated_at)}</p>`,
    '<h2>Sensors</h2>',
    `<p>${esc(r.sensors.total)} sensors are registered.</p>`,
    barChart('Sensors by type', [...sensorsByType].sort(([a], [b]) => a.localeCompare(b))),
    table(['Site', 'Type', 'Sensors'], r.sensors.by_type_and_site.map((s) => [s.site, s.type, s.count])),
    '<h2>Data collected</h2>',
    '<p>Identifier fields are replaced by keyed pseudonyms before anything is stored; the raw value is never kept.</p>',
    table(
      ['Family', 'Event kinds', 'Fields', 'Pseudonymised'],
      r.data_categories.map((c) => [c.family, c.kinds.join(', '), c.fields.join(', '), c.pseudonymised_fields.join(', ') || '—']),
    ),
    `<p>Wi-Fi mode: <strong>${esc(r.wifi_mode === 'counts' ? 'counts only (pseudonyms discarded within 5 minutes)' : 'dwell time (pseudonyms kept at most 24 hours)')}</strong>. Aggregates below ${esc(r.k_anonymity)} are suppressed.</p>`,
    '<h2>Refused data</h2>',
    `<p>Events carrying any of these attributes are refused and counted as policy violations: ${esc(r.refused_categories.join('; '))}. Parapet does no face recognition.</p>`,
    '<h2>Retention</h2>',
    table(['Category', 'Kept for', 'Event kinds'], r.retention.map((c) => [c.category, c.retention, c.kinds.join(', ')])),
    '<h2>Events stored and purged</h2>',
    barChart('Events of the period still stored, by family', byFamily(r.events.stored)),
    barChart('Events purged during the period, by family', byFamily(r.events.purged)),
    `<p>${esc(r.events.purge_runs)} purge runs; ${esc(r.events.keys_destroyed)} pseudonym keys destroyed (their pseudonyms can never be linked again).</p>`,
    '<h2>Investigations</h2>',
    inv
      ? table(['Requested', 'Approved', 'Rejected', 'Pending'], [[inv.requested, inv.approved, inv.rejected, inv.pending]]) +
        table(['Identifier class', 'Requests'], Object.entries(inv.by_class))
      : '<p class="empty">Not available.</p>',
    '<h2>Watchlist hits</h2>',
    `<p>${r.watchlist_hits === null ? 'Not available.' : esc(r.watchlist_hits)}</p>`,
    '<h2>Exports and recipients</h2>',
    r.exports === null ? '<p class="empty">Not available.</p>' : table(['Recipient', 'Exports'], r.exports.map((e) => [e.recipient, e.count])),
    '<h2>Policy violations</h2>',
    `<p>${esc(r.policy_violations.total)} events were refused for carrying prohibited attributes.</p>`,
    table(['Device', 'Violations'], r.policy_violations.by_device.map((v) => [v.device, v.count])),
  ].join('\n');
  return page(r.title, body);
}
