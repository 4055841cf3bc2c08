/** One leak-guard finding (SPEC §5.8): a clear line, and the fix when it is not ok. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  /** Stable dotted name, e.g. `listener.http`. */
  readonly name: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** What the operator should do (set for warn and fail). */
  readonly fix?: string;
}

export const ok = (name: string, message: string): CheckResult => ({ name, status: 'ok', message });
export const warn = (name: string, message: string, fix: string): CheckResult => ({ name, status: 'warn', message, fix });
export const fail = (name: string, message: string, fix: string): CheckResult => ({ name, status: 'fail', message, fix });

export function formatCheck(r: CheckResult): string {
  const tag = r.status === 'ok' ? 'ok  ' : r.status === 'warn' ? 'WARN' : 'FAIL';
  return `${tag} ${r.name}: ${r.message}${r.fix ? ` — fix: ${r.fix}` : ''}`;
}

export function failures(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.status === 'fail');
}
