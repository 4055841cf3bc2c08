/** Stored events as a table (search results, released investigation sightings); identifiers show as pseudonyms only (SPEC §4). */
import type { StoredEvent } from '../../../../src/core/event.js';
import { formatDateTime } from '../../time.js';
import { summariseData } from './event-summary.js';
import { TableHead } from '../../components/table-head.js';

export function EventTable({ events, testId }: { events: readonly StoredEvent[]; testId?: string }) {
  return (
    <table data-testid={testId}>
      <TableHead columns={['Time', 'Kind', 'Device', 'Site / zone', 'Data']} />
      <tbody>
        {events.map((e) => (
          <tr key={e.seq}>
            <td className="mono">{formatDateTime(e.ts)}</td>
            <td>{e.kind}</td>
            <td className="mono">{e.device}</td>
            <td>
              {e.site} / {e.zone ?? '—'}
            </td>
            <td className="mono">{summariseData(e.data)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
