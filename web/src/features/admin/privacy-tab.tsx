/**
 * Retention and privacy status (SPEC §4.2, §4.7): how long each kind of event is kept, and the
 * pseudonym keys of each identifier class with the next one due for destruction (crypto-shredding).
 * Reads `GET /retention` (the `parapet retention status` plan, action privacy.read).
 */
import type { RetentionPlan } from '../../../../src/privacy/retention.js';
import { useSession } from '../../session.js';
import { useApi } from '../../hooks/use-api.js';
import { LoadState } from '../../components/load-state.js';
import { formatDateTime } from '../../time.js';
import { TableHead } from '../../components/table-head.js';

export function PrivacyTab() {
  const { api } = useSession();
  const plan = useApi((signal) => api.get<RetentionPlan>('/retention', undefined, signal), 'retention', 60_000);
  return (
    <LoadState result={plan.result} feature="Retention status">
      {(p) => (
        <div className="grid-2">
          <section className="panel" aria-labelledby="ret-keys">
            <h2 id="ret-keys" style={{ marginTop: 0 }}>
              Pseudonym keys
            </h2>
            <table>
              <TableHead columns={['Identifier', 'Kept', 'Live keys', 'Next destroyed']} />
              <tbody>
                {p.keys.map((k) => (
                  <tr key={k.idClass}>
                    <td>{k.idClass}</td>
                    <td>{k.retention}</td>
                    <td>{k.live_keys}</td>
                    <td>{k.next_destruction ? `${formatDateTime(k.next_destruction.at)} (epoch ${k.next_destruction.epoch}${k.next_destruction.site ? `, ${k.next_destruction.site}` : ''})` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section className="panel" aria-labelledby="ret-kinds">
            <h2 id="ret-kinds" style={{ marginTop: 0 }}>
              Retention per kind
            </h2>
            <table>
              <TableHead columns={['Kind', 'Category', 'Kept', 'Purged before']} />
              <tbody>
                {[...p.kinds, ...p.extra.map((x) => ({ kind: x.name, category: '—', retention: x.retention, cutoff: x.cutoff }))].map((k) => (
                  <tr key={k.kind}>
                    <td className="mono">{k.kind}</td>
                    <td>{k.category}</td>
                    <td>{k.retention}</td>
                    <td>{formatDateTime(k.cutoff)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </div>
      )}
    </LoadState>
  );
}
