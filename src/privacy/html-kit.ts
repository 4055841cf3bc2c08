/**
 * Self-contained HTML for the reports (SPEC §4.8): one file, inline CSS and SVG charts, no script,
 * no external asset, so it can be published or archived as is. Every text is escaped.
 */

export function esc(v: unknown): string {
  return String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A horizontal bar chart as inline SVG, with a text alternative for screen readers. */
export function barChart(title: string, data: ReadonlyArray<readonly [string, number]>): string {
  if (data.length === 0) return `<p class="empty">${esc(title)}: none in this period.</p>`;
  const rowH = 22;
  const labelW = 190;
  const barW = 360;
  const max = Math.max(1, ...data.map(([, v]) => v));
  const h = data.length * rowH + 8;
  const rows = data
    .map(([label, v], i) => {
      const y = 4 + i * rowH;
      const w = Math.max(v > 0 ? 2 : 0, Math.round((v / max) * barW));
      return (
        `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(label)}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 8}" rx="2"></rect>` +
        `<text x="${labelW + w + 6}" y="${y + 15}">${esc(v.toLocaleString('en'))}</text>`
      );
    })
    .join('');
  const alt = data.map(([l, v]) => `${l}: ${v}`).join(', ');
  return `<figure><figcaption>${esc(title)}</figcaption><svg role="img" aria-label="${esc(`${title}. ${alt}`)}" viewBox="0 0 ${labelW + barW + 80} ${h}" width="100%">${rows}</svg></figure>`;
}

export function table(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  if (rows.length === 0) return '<p class="empty">None.</p>';
  const head = headers.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}figure{margin:1rem 0}figcaption{font-weight:600}svg text{font-size:12px;fill:#1b1f24}
svg rect{fill:#2f6fb0}.empty{color:#57606a}.meta{color:#57606a}`;

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${CSS}</style></head><body>${body}</body></html>\n`;
}
