/**
 * One line for an event's data in lists (values are already pseudonyms where they identify; a long
 * pseudonym keeps its head — class and epoch — and its tail, which tells two apart).
 */
export function summariseData(data: Readonly<Record<string, unknown>>): string {
  return Object.entries(data)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (v.length > 24 ? `${v.slice(0, 10)}…${v.slice(-8)}` : v) : JSON.stringify(v)}`)
    .join(' ')
    .slice(0, 160);
}
