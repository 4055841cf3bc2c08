import { describe, expect, it } from 'vitest';
import { DoorState, HELD_AFTER_MS, UNLOCK_WINDOW_MS, applyDoorUpdate, checkHeldDoors, mapUnifiAccess } from './unifi-access.js';

const NOW = Date.UTC(2026, 10, 26, 10, 0, 0);
const devices = { prefix: 'ua-' };
const DOOR_ID = 'd2b87427-7efa-43c1-aa52-b00d40d99ecf';

/** access.door.unlock as published with the UniFi Access API documentation. */
const unlock = (object: Record<string, unknown>, actorName = 'UniFi User') => ({
  event: 'access.door.unlock',
  event_object_id: '4a98adf6-dbb8-4312-9b8b-593f6eba8c8e',
  data: {
    location: {
      id: DOOR_ID,
      location_type: 'door',
      name: 'Door 3855',
      up_id: '62ff3aa1-ae96-4b6b-8eb5-44aadfd4aabd',
      extras: { door_thumbnail: '/preview/reader_0418d6a2bb7a_1722913291.jpg', 'uah-input_state_dps': 'on' },
      device_ids: null,
    },
    device: { name: 'UA-HUB-3855', alias: 'Door 3855', id: '7483c2773855', ip: '192.168.1.132', mac: '74:83:c2:77:38:55', online: true, device_type: 'UAH', firmware: 'v1.4.6.0' },
    actor: { id: 'fd293ecb-98d2-425b-a020-cb9365ea48b3', name: actorName, type: 'user', alternate_id: '', alternate_name: '', avatar: '', user_type: 'USER' },
    object: { authentication_type: 'NFC', authentication_value: '0F3E1C42', policy_id: 'edbc80df', policy_name: '', reader_id: '7483c2773855', result: 'Access Granted', ...object },
  },
});
const dps = (status: string) => ({ event: 'access.device.dps_status', data: { location: { id: DOOR_ID, name: 'Door 3855' }, device: { id: '7483c2773855' }, object: { status } } });
const run = (body: unknown, state = new DoorState(), now = NOW) => {
  const r = mapUnifiAccess(body, { devices, now }, state);
  if (r.update) applyDoorUpdate(state, r.update);
  return { ...r, events: r.items.map((i) => i.input.item as { kind: string; device: string; data: Record<string, unknown> }) };
};

describe('UniFi Access → access.*', () => {
  it('maps a granted unlock: door name, card value as credential ⓘ, method card; the user name is dropped', () => {
    const r = run(unlock({}));
    expect(r.events).toEqual([{ ts: NOW, device: `ua-${DOOR_ID}`, kind: 'access.granted', data: { door: 'Door 3855', credential: '0F3E1C42', method: 'card' } }]);
    expect(r.dropped).toEqual([expect.objectContaining({ at: 'data.actor.name', reason: 'person_name' })]);
    expect(JSON.stringify(r.events)).not.toContain('UniFi User');
  });

  it('maps denials with a reason read from the result', () => {
    expect(run(unlock({ result: 'Access Denied' })).events[0]).toMatchObject({ kind: 'access.denied', data: { reason: 'unknown' } });
    expect(run(unlock({ result: 'BLOCKED', reason: 'expired' })).events[0]).toMatchObject({ kind: 'access.denied' });
  });

  it('maps PIN and mobile methods; uses the user id when no credential value is given', () => {
    expect(run(unlock({ authentication_type: 'PIN_CODE' })).events[0]?.data.method).toBe('pin');
    const mobile = run(unlock({ authentication_type: 'MOBILE_TAP', authentication_value: '' }));
    expect(mobile.events[0]?.data).toMatchObject({ method: 'mobile', credential: 'fd293ecb-98d2-425b-a020-cb9365ea48b3' });
  });

  it('drops face- and fingerprint-authenticated unlocks entirely (SPEC §4.3)', () => {
    for (const t of ['FACE', 'FINGERPRINT']) {
      const r = run(unlock({ authentication_type: t }));
      expect(r.events, t).toEqual([]);
      expect(r.dropped.map((d) => d.reason)).toContain('face_data');
    }
  });

  it('tells a forced door from a normal passage and reports a door held open once', () => {
    const state = new DoorState();
    expect(run(dps('open'), state).events).toEqual([expect.objectContaining({ kind: 'access.door_forced', data: { door: 'Door 3855' } })]);
    expect(run(dps('close'), state).events).toEqual([expect.objectContaining({ kind: 'access.door_secured' })]);
    run(unlock({}), state, NOW + 1_000);
    const passage = run(dps('open'), state, NOW + 1_000 + UNLOCK_WINDOW_MS - 1);
    expect(passage.events).toEqual([]);
    expect(passage.dropped.map((d) => d.reason)).toContain('no_data');
    const opened = NOW + 1_000 + UNLOCK_WINDOW_MS - 1;
    expect(checkHeldDoors(state, opened + HELD_AFTER_MS - 1).items).toEqual([]);
    const held = checkHeldDoors(state, opened + HELD_AFTER_MS + 4_000).items.map((i) => i.input.item);
    expect(held).toEqual([expect.objectContaining({ kind: 'access.door_held', device: `ua-${DOOR_ID}`, data: { door: 'Door 3855', seconds: 64 } })]);
    expect(checkHeldDoors(state, opened + 2 * HELD_AFTER_MS).items).toEqual([]);
  });

  it('treats an unlock older than the window as no excuse for an opening', () => {
    const state = new DoorState();
    run(unlock({}), state);
    expect(run(dps('open'), state, NOW + UNLOCK_WINDOW_MS + 1).events[0]?.kind).toBe('access.door_forced');
  });

  it('does not touch the state itself: the caller applies the update', () => {
    const state = new DoorState();
    const r = mapUnifiAccess(unlock({}), { devices, now: NOW }, state);
    expect(r.update).toMatchObject({ change: { type: 'granted', at: NOW } });
    expect(state.granted.size).toBe(0);
  });

  it('drops events without a kind and refuses malformed ones', () => {
    expect(run({ event: 'access.doorbell.incoming', data: {} }).dropped[0]?.reason).toBe('unsupported');
    expect(run({ data: {} }).refused[0]?.error).toBe('invalid_event');
    expect(run(unlock({ result: 'maybe' })).refused[0]?.error).toBe('invalid_field');
    expect(run(dps('ajar')).refused[0]?.error).toBe('invalid_field');
  });

  it('bounds the door state', () => {
    const state = new DoorState(3);
    for (let i = 0; i < 10; i++) applyDoorUpdate(state, { device: `d${i}`, door: 'x', change: { type: 'granted', at: NOW } });
    expect(state.granted.size).toBeLessThanOrEqual(3);
  });
});
