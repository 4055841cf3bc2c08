/** Rule durations are written with a unit ("30s", "5m", "2h", "1d") so no one guesses whether 300 means seconds or ms. */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const DURATION_PATTERN = '^[0-9]{1,9}(ms|s|m|h|d)$';
const re = /^([0-9]{1,9})(ms|s|m|h|d)$/;

/** Milliseconds of a duration string; throws on anything else (the schema validates first). */
export function parseDuration(text: string): number {
  const m = re.exec(text);
  if (!m?.[1] || !m[2]) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}
