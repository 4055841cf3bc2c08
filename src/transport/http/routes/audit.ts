/**
 * The audit log for auditors (SPEC §3 `GET /audit`, `GET /audit/verify`; §5.7). A site-scoped
 * reader (SPEC §5.3) lists only entries concerning one of its sites, filtered by the store; global
 * entries are for unscoped readers. Verification walks the whole chain (integrity is global) and
 * answers counts, seq numbers and hashes only, never another entry's content.
 */
import Type from 'typebox';
import { AUDIT_OUTCOMES, type AuditOutcome, type AuditQuery } from '../../../store/audit.js';
import { parseTimestamp } from '../../../ingest/timestamp.js';
import { ParapetError } from '../../../core/errors.js';
import { principalOf, type RouteModule } from '../route-kit.js';

const AuditQueryString = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 40, description: 'RFC 3339 or epoch ms; inclusive' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'RFC 3339 or epoch ms; exclusive' })),
    actor: Type.Optional(Type.String({ maxLength: 128 })),
    action: Type.Optional(Type.String({ maxLength: 64, pattern: '^[a-z0-9_.*-]+$', description: 'exact, or a prefix like auth.*' })),
    target: Type.Optional(Type.String({ maxLength: 256 })),
    outcome: Type.Optional(Type.Union(AUDIT_OUTCOMES.map((o) => Type.Literal(o)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 20, pattern: '^[0-9]+$', description: 'next_cursor of the previous page' })),
  },
  { additionalProperties: false },
);

function time(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  try {
    return parseTimestamp(/^\d+$/.test(v) ? Number(v) : v);
  } catch (err) {
    throw new ParapetError('invalid_query', `${name}: ${err instanceof ParapetError ? err.detail : 'not a time'}`);
  }
}

export const auditRoutes: RouteModule = (app, deps) => {
  app.get('/audit', { config: { action: 'audit.read' }, schema: { tags: ['audit'], summary: 'Audit entries, newest first', querystring: AuditQueryString } }, async (req) => {
    const p = principalOf(req);
    const q = req.query as { from?: string; to?: string; actor?: string; action?: string; target?: string; outcome?: AuditOutcome; limit?: number; cursor?: string };
    const limit = q.limit ?? 100;
    const query: AuditQuery = {
      limit: limit + 1,
      ...(time('from', q.from) !== undefined ? { from: time('from', q.from) } : {}),
      ...(time('to', q.to) !== undefined ? { to: time('to', q.to) } : {}),
      ...(q.actor ? { actor: q.actor } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.target ? { target: q.target } : {}),
      ...(q.outcome ? { outcome: q.outcome } : {}),
      ...(q.cursor ? { before: Number(q.cursor) } : {}),
      ...(p.sites.length > 0 ? { sites: p.sites } : {}),
    };
    const rows = await deps.audit.list(query);
    const entries = rows.slice(0, limit);
    const last = entries[entries.length - 1];
    // Reading the audit log is itself worth knowing about (who looked, with which filter).
    await deps.audit.record({ actor: p, action: 'audit.read', target: null, outcome: 'success', detail: { filter: { ...q } } });
    return { entries, next_cursor: rows.length > limit && last ? String(last.seq) : null };
  });

  app.get('/audit/verify', { config: { action: 'audit.read' }, schema: { tags: ['audit'], summary: 'Walk the hash chain and signed checkpoints' } }, async () => {
    return deps.audit.verify();
  });
};
