/**
 * k-anonymity for every aggregate Parapet outputs (SPEC §4.4: aggregates below k, default 5, are
 * suppressed). A count of 1..k-1 is replaced by null and flagged; zero stays visible (it describes
 * no one). Totals are computed from the published cells only, so a total can never be used to
 * recover a suppressed cell by subtraction.
 */
export const DEFAULT_K = 5;

/** The published value of a count: itself when 0 or ≥ k, else null (suppressed). */
export function suppressCount(count: number, k: number = DEFAULT_K): number | null {
  return count === 0 || count >= k ? count : null;
}

export function isSuppressed(count: number, k: number = DEFAULT_K): boolean {
  return suppressCount(count, k) === null;
}

export type KAnonRow<T, F extends keyof T> = Omit<T, F> & { readonly [P in F]: number | null } & { readonly suppressed: boolean };

/** Rows with the numeric field `field` suppressed where it is below k; other fields kept. */
export function kAnonymise<T extends Record<F, number>, F extends keyof T>(rows: readonly T[], field: F, k: number = DEFAULT_K): Array<KAnonRow<T, F>> {
  return rows.map((r) => {
    const v = suppressCount(r[field], k);
    return { ...r, [field]: v, suppressed: v === null };
  });
}

/** Sum of the published (non-suppressed) cells. */
export function publishedTotal(values: ReadonlyArray<number | null>): number {
  let total = 0;
  for (const v of values) if (v !== null) total += v;
  return total;
}
