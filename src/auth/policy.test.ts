import { describe, expect, it } from 'vitest';
import { ROLES } from '../store/store.js';
import { POLICY, RESTRICTED_ACTIONS, allowedWhileRestricted, can, isAction, type Action } from './policy.js';

describe('policy table', () => {
  it('names only known roles, and every action has at least one', () => {
    for (const [action, roles] of Object.entries(POLICY)) {
      expect(roles.length, action).toBeGreaterThan(0);
      for (const r of roles) expect(ROLES).toContain(r);
    }
  });

  it('keeps separation of duties: admins neither read the audit log nor request investigations', () => {
    expect(can('admin', 'audit.read')).toBe(false);
    expect(can('auditor', 'audit.read')).toBe(true);
    expect(can('admin', 'investigations.request')).toBe(false);
    expect(can('ingest', 'events.read')).toBe(false);
    expect(can('ingest', 'self.manage')).toBe(false);
  });

  it('lets a session awaiting TOTP enrolment only read itself and manage its own factor', () => {
    expect([...RESTRICTED_ACTIONS].sort()).toEqual(['self.manage', 'self.read']);
    for (const a of Object.keys(POLICY) as Action[]) expect(allowedWhileRestricted(a)).toBe(a === 'self.read' || a === 'self.manage');
  });

  it('recognises actions, and nothing inherited from Object', () => {
    expect(isAction('events.ingest')).toBe(true);
    expect(isAction('toString')).toBe(false);
    expect(isAction('public')).toBe(false);
  });
});
