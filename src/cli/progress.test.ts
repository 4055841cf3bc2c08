import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, formatStats, formatSummary } from './progress.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { out: { isTTY, columns: 40, write: (s: string) => chunks.push(s) }, chunks };
}

describe('progress', () => {
  it('redraws one line in place on a terminal and ends it with a newline', () => {
    let t = 0;
    const { out, chunks } = sink(true);
    const p = createProgress(out, { now: () => t });
    p.update('sent 1');
    t += 50;
    p.update('sent 2'); // too soon: not drawn
    t += 100;
    p.update('sent 3');
    p.done();
    expect(chunks).toEqual(['\r\x1b[2Ksent 1', '\r\x1b[2Ksent 3', '\r\x1b[2Ksent 3', '\n']);
  });

  it('keeps a note on its own line and redraws the status under it', () => {
    const { out, chunks } = sink(true);
    const p = createProgress(out, { now: () => 0 });
    p.update('status');
    p.note('incident: door forced');
    expect(chunks.slice(1)).toEqual(['\r\x1b[2Kincident: door forced\n', '\r\x1b[2Kstatus']);
  });

  it('cuts the line to the terminal width', () => {
    const { out, chunks } = sink(true);
    createProgress(out, { now: () => 0 }).update('x'.repeat(100));
    expect(chunks[0]).toBe('\r\x1b[2K' + 'x'.repeat(39));
  });

  it('prints plain lines at an interval when not on a terminal, and the last state at the end', () => {
    let t = 0;
    const { out, chunks } = sink(false);
    const p = createProgress(out, { now: () => t, plainEveryMs: 1000 });
    p.update('a');
    t = 500;
    p.update('b');
    t = 1200;
    p.update('c');
    t = 1300;
    p.update('d');
    p.done();
    expect(chunks).toEqual(['a\n', 'c\n', 'd\n']);
  });

  it('formats stats and the summary', () => {
    const stats = { sent: 12345, accepted: 12300, duplicates: 0, rejected: 45, rejectedBy: { unknown_device: 40, invalid_field: 5 }, incidents: 2, elapsedMs: 62_000, rate: 199.1 };
    expect(formatStats(stats)).toBe('sent 12,345 · accepted 12,300 · rejected 45 · 199 ev/s · 1:02');
    expect(formatSummary(stats)).toEqual([
      'sent 12,345 events in 62.0 s (199.1/s): 12,300 accepted, 0 duplicates, 45 rejected; 2 incidents staged',
      'rejected by reason: unknown_device 40, invalid_field 5',
    ]);
    expect(formatDuration(3_725_000)).toBe('1:02:05');
  });
});
