/**
 * What a panel says inside a DC-09 message (sia-dc09.ts), decoded and mapped to Parapet kinds.
 *
 * Contact ID (SIA DC-05, "ADM-CID" in DC-09): `[#acct|QEEE GG ZZZ]` — Q the event qualifier
 * (1 new event or opening, 3 restore or closing, 6 previously reported condition still present),
 * EEE the event code, GG the partition (group), ZZZ the zone or user number.
 * SIA DC-03 ("SIA-DCS"): `[#acct|N[ri<area>/]<CC><zone>[/<CC><zone>…]]` with a two-letter code.
 *
 * Mapping (docs/integrations.md): fire alarms → fire.alarm, waterflow → fire.waterflow, 200s
 * supervisory → fire.supervisory, 300s trouble (and tamper) → fire.trouble, any restore of these →
 * fire.restore; burglary (intruder) alarms → access.door_forced and their restore →
 * access.door_secured (the v1 catalogue has no intruder-alarm kind; both mean "unauthorised entry
 * at a point — send a guard", and the built-in door-forced rule resolves on the restore); Contact ID
 * 423 / SIA DF forced door likewise; periodic and manual tests and NULL link tests →
 * device.heartbeat. Medical, panic and duress, open/close and user reports are acknowledged but not
 * recorded: they have no v1 kind, and user numbers point at people.
 * The point is the zone number ("015"), prefixed by the partition when it is not 00 ("02-015").
 */
import { ResultBuilder, clientId, type AdapterResult } from './adapter-kit.js';
import type { Dc09Message } from './sia-dc09.js';

export interface ContactId {
  readonly qualifier: 1 | 3 | 6;
  readonly code: number;
  readonly group: string;
  readonly zone: string;
}

const CID = /^(?:#[0-9A-Fa-f]{1,16}\|)?([136])([0-9A-F]{3}) ([0-9A-F]{2}) ([0-9A-F]{3})$/;

export function decodeContactId(data: string): ContactId | null {
  const m = CID.exec(data.trim());
  if (!m) return null;
  const [, q, code, group = '00', zone = '000'] = m;
  const n = Number(code);
  if (!Number.isInteger(n)) return null;
  return { qualifier: Number(q) as 1 | 3 | 6, code: n, group, zone };
}

/** Contact ID event descriptions (SIA DC-05 Annex) for the codes Parapet records. */
export const CID_DESCRIPTIONS: Readonly<Record<number, string>> = {
  110: 'Fire', 111: 'Smoke', 112: 'Combustion', 113: 'Water flow', 114: 'Heat', 115: 'Pull station', 116: 'Duct', 117: 'Flame', 118: 'Near alarm',
  130: 'Burglary', 131: 'Perimeter', 132: 'Interior', 133: '24 hour (safe)', 134: 'Entry/exit', 135: 'Day/night', 136: 'Outdoor', 137: 'Tamper', 138: 'Near alarm', 139: 'Intrusion verifier',
  200: 'Fire supervisory', 201: 'Low water pressure', 202: 'Low CO2', 203: 'Gate valve sensor', 204: 'Low water level', 205: 'Pump activated', 206: 'Pump failure',
  300: 'System trouble', 301: 'AC loss', 302: 'Low system battery', 303: 'RAM checksum bad', 304: 'ROM checksum bad', 305: 'System reset', 306: 'Panel programming changed',
  307: 'Self-test failure', 308: 'System shutdown', 309: 'Battery test failure', 310: 'Ground fault', 311: 'Battery missing/dead', 312: 'Power supply overcurrent', 313: 'Engineer reset',
  320: 'Sounder/relay', 321: 'Bell 1', 322: 'Bell 2', 323: 'Alarm relay', 324: 'Trouble relay', 325: 'Reversing relay', 326: 'Notification appliance check #3', 327: 'Notification appliance check #4',
  330: 'System peripheral trouble', 331: 'Polling loop open', 332: 'Polling loop short', 333: 'Expansion module failure', 334: 'Repeater failure', 335: 'Local printer out of paper',
  336: 'Local printer failure', 337: 'Expansion module DC loss', 338: 'Expansion module low battery', 339: 'Expansion module reset', 341: 'Expansion module tamper', 342: 'Expansion module AC loss',
  343: 'Expansion module self-test fail', 344: 'RF receiver jam detect', 350: 'Communication trouble', 351: 'Telco 1 fault', 352: 'Telco 2 fault', 353: 'Long range radio transmitter fault',
  354: 'Failure to communicate event', 355: 'Loss of radio supervision', 356: 'Loss of central polling', 357: 'Long range radio VSWR problem', 370: 'Protection loop', 371: 'Protection loop open',
  372: 'Protection loop short', 373: 'Fire trouble', 374: 'Exit error alarm', 375: 'Panic zone trouble', 376: 'Hold-up zone trouble', 377: 'Swinger trouble', 378: 'Cross-zone trouble',
  380: 'Sensor trouble', 381: 'Loss of supervision - RF', 382: 'Loss of supervision - RPM', 383: 'Sensor tamper', 384: 'RF low battery', 385: 'Smoke detector high sensitivity',
  386: 'Smoke detector low sensitivity', 387: 'Intrusion detector high sensitivity', 388: 'Intrusion detector low sensitivity', 389: 'Sensor self-test failure', 391: 'Sensor watch trouble',
  392: 'Drift compensation error', 393: 'Maintenance alert',
  423: 'Forced access', 601: 'Manual trigger test report', 602: 'Periodic test report',
};

type Signal = 'alarm' | 'waterflow' | 'supervisory' | 'trouble' | 'intrusion' | 'test';

function cidSignal(code: number): Signal | null {
  if (code === 113) return 'waterflow';
  if (code >= 110 && code <= 118) return 'alarm';
  if (code === 137) return 'trouble';
  if ((code >= 130 && code <= 139) || code === 423) return 'intrusion';
  if (code >= 200 && code <= 206) return 'supervisory';
  if (code >= 300 && code <= 399) return 'trouble';
  if (code === 601 || code === 602) return 'test';
  return null;
}

/** SIA DC-03 two-letter codes Parapet records: signal and whether the code is the restore. */
const SIA_CODES: Readonly<Record<string, readonly [Signal, boolean, string]>> = {
  FA: ['alarm', false, 'Fire alarm'], FH: ['alarm', true, 'Fire alarm restore'], FR: ['alarm', true, 'Fire restoral'],
  KA: ['alarm', false, 'Heat alarm'], KH: ['alarm', true, 'Heat alarm restore'],
  // SIA WA is "water detected" (a leak), not sprinkler flow: SA is the sprinkler flow alarm.
  SA: ['waterflow', false, 'Sprinkler flow alarm'], SH: ['waterflow', true, 'Sprinkler alarm restore'], SR: ['waterflow', true, 'Sprinkler restoral'],
  FS: ['supervisory', false, 'Fire supervisory'], SS: ['supervisory', false, 'Sprinkler supervisory'],
  ST: ['trouble', false, 'Sprinkler trouble'], SJ: ['trouble', true, 'Sprinkler trouble restore'],
  FT: ['trouble', false, 'Fire trouble'], FJ: ['trouble', true, 'Fire trouble restore'],
  AT: ['trouble', false, 'AC trouble'], AR: ['trouble', true, 'AC restore'],
  YT: ['trouble', false, 'System battery trouble'], YR: ['trouble', true, 'System battery restore'],
  YX: ['trouble', false, 'Service required'], YZ: ['trouble', true, 'Service completed'],
  ET: ['trouble', false, 'Expansion trouble'], ER: ['trouble', true, 'Expansion restore'],
  LT: ['trouble', false, 'Phone line trouble'], LR: ['trouble', true, 'Phone line restore'],
  YC: ['trouble', false, 'Communications fail'], YK: ['trouble', true, 'Communications restored'],
  TA: ['trouble', false, 'Tamper alarm'], TR: ['trouble', true, 'Tamper restore'],
  BA: ['intrusion', false, 'Burglary alarm'], BH: ['intrusion', true, 'Burglary alarm restore'], BR: ['intrusion', true, 'Burglary restoral'],
  DF: ['intrusion', false, 'Door forced'],
  RP: ['test', false, 'Automatic test'], RX: ['test', false, 'Manual test'],
};

function point(group: string, zone: string): string {
  return group === '00' || group === '' ? zone : `${group}-${zone}`;
}

interface Ctx {
  readonly device: string;
  readonly now: number;
  readonly message: Dc09Message;
  readonly out: ResultBuilder;
}

function emit(c: Ctx, at: string, signal: Signal, restore: boolean, pt: string, condition: string, part: string): void {
  const ts = c.message.timestamp ?? c.now;
  // Only a message with its own timestamp gets an id: a retransmission (same seq and time) is then
  // a duplicate, and two real alarms can never be merged by a recycled sequence number.
  const id = c.message.timestamp !== null ? clientId('sia', c.message.account, c.message.seq, c.message.timestamp, part) : null;
  const base = { id, ts, device: c.device };
  if (signal === 'test') return c.out.event(at, { ...base, kind: 'device.heartbeat', data: {} });
  if (signal === 'intrusion') return c.out.event(at, { ...base, kind: restore ? 'access.door_secured' : 'access.door_forced', data: { door: `zone ${pt}` } });
  if (restore) return c.out.event(at, { ...base, kind: 'fire.restore', data: { point: pt } });
  if (signal === 'alarm') return c.out.event(at, { ...base, kind: 'fire.alarm', data: { point: pt } });
  if (signal === 'waterflow') return c.out.event(at, { ...base, kind: 'fire.waterflow', data: { point: pt } });
  c.out.event(at, { ...base, kind: signal === 'supervisory' ? 'fire.supervisory' : 'fire.trouble', data: { point: pt, condition } });
}

function contactId(c: Ctx): void {
  const cid = decodeContactId(c.message.data);
  if (!cid) return c.out.refuse('data', 'invalid_event', 'the Contact ID data is not QEEE GG ZZZ');
  const signal = cidSignal(cid.code);
  const description = CID_DESCRIPTIONS[cid.code] ?? `event ${cid.code}`;
  if (!signal) return c.out.drop('data', 'unsupported', `Contact ID ${cid.code} has no Parapet kind`);
  if (signal === 'test' && cid.qualifier === 3) return c.out.drop('data', 'no_data', 'a test restore');
  emit(c, 'data', signal, cid.qualifier === 3, point(cid.group, cid.zone), description, `${cid.qualifier}${cid.code}${cid.group}${cid.zone}`);
}

const MODIFIER = /^(?:(?:ri|ti|id|pi|ai|ci|lo)[0-9:]*)+$/i;

function siaDcs(c: Ctx): void {
  const body = c.message.data.replace(/^#[0-9A-Fa-f]{1,16}\|/, '');
  if (!/^[NO]/.test(body)) return c.out.refuse('data', 'invalid_event', 'SIA data starts with N (new event)');
  let area = '00';
  let recorded = 0;
  body
    .slice(1)
    .split('/')
    .forEach((segment, i) => {
      const m = /^((?:(?:ri|ti|id|pi|ai|ci|lo)[0-9:]*)*)([A-Z]{2})([0-9]{0,4})(?:\^.*)?$/.exec(segment);
      if (!m) {
        if (MODIFIER.test(segment)) {
          const ri = /ri([0-9]+)/i.exec(segment);
          if (ri?.[1]) area = ri[1].padStart(2, '0');
          return;
        }
        return c.out.refuse(`data/${i}`, 'invalid_event', 'a SIA segment is not <code><zone>');
      }
      const [, mods = '', code = '', zone = ''] = m;
      const ri = /ri([0-9]+)/i.exec(mods);
      if (ri?.[1]) area = ri[1].padStart(2, '0');
      const known = SIA_CODES[code];
      if (!known) return c.out.drop(`data/${i}`, 'unsupported', `SIA code ${code} has no Parapet kind`);
      const [signal, restore, description] = known;
      recorded++;
      emit(c, `data/${i}`, signal, restore, point(area, zone.padStart(3, '0')), description, `${i}${code}${area}${zone}`);
    });
  if (recorded === 0 && body.length <= 1) c.out.refuse('data', 'invalid_event', 'the SIA data holds no event code');
}

/** One accepted DC-09 message of a configured account → ingest inputs for its device. */
export function mapSiaMessage(message: Dc09Message, device: string, now: number): AdapterResult {
  const out = new ResultBuilder();
  const c: Ctx = { device, now, message, out };
  if (message.id === 'NULL') out.event('NULL', { ts: message.timestamp ?? now, device, kind: 'device.heartbeat', data: {} });
  else if (message.id === 'ADM-CID') contactId(c);
  else if (message.id === 'SIA-DCS') siaDcs(c);
  else out.drop('id', 'unsupported', `DC-09 message type ${message.id} is not handled`);
  if (message.extended.length > 0) out.drop('extended', 'unsupported', 'extended data blocks (location, MAC, …) were not kept');
  return out.result();
}
