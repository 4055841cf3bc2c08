/**
 * The GDPR Art. 30(1) record of processing activities, generated from the configuration (SPEC §4.8,
 * issue 3 §7): per activity its purposes, data subjects, personal data, recipients, transfers,
 * erasure time limits, and the Art. 32 security measures in force. What the configuration cannot
 * know (the controller's name, the legal basis chosen) is taken from options or marked for the
 * controller to complete.
 */
import type { Config } from '../config/schema.js';
import { DAY } from '../core/clock.js';
import { esc, page, table } from './html-kit.js';
import { PROHIBITED_CATEGORIES } from './report.js';
import { formatDuration } from './retention.js';
import { keyRetentionMs, retentionMsFor } from './retention-policy.js';

const TO_COMPLETE = 'to be completed by the controller';

export interface RopaOptions {
  readonly controller?: string;
  readonly contact?: string;
  readonly dpo?: string;
}

export interface ProcessingActivity {
  readonly name: string;
  readonly purposes: string[];
  readonly legal_basis: string;
  readonly data_subjects: string[];
  readonly personal_data: string[];
  readonly recipients: string[];
  readonly third_country_transfers: string;
  readonly erasure: string;
}

export interface Ropa {
  readonly title: string;
  readonly generated_at: string;
  readonly controller: { readonly name: string; readonly contact: string; readonly dpo: string };
  readonly activities: ProcessingActivity[];
  readonly not_collected: readonly string[];
  readonly security_measures: string[];
}

const RECIPIENTS_OPS = ['control-room operators (pseudonyms and aggregates only)', 'administrators'];
const NO_TRANSFER = 'none by Parapet itself (self-hosted); webhooks only to configured hosts — the controller lists any recipient abroad';

export function buildRopa(config: Readonly<Config>, now: number, opts: RopaOptions = {}): Ropa {
  const r = config.privacy.retention;
  const d = (ms: number): string => formatDuration(ms);
  const wifiCounts = config.privacy.wifi_mode === 'counts';
  const investigators = config.privacy.dual_control
    ? 'investigators, per approved investigation (dual control: a second person approves; audited)'
    : 'investigators, per investigation (audited; dual control is SWITCHED OFF)';
  const activities: ProcessingActivity[] = [
    {
      name: 'Licence-plate recognition',
      purposes: ['security of premises and vehicle access', 'detection of vehicles on a watchlist (stolen, banned) with a recorded legal basis'],
      legal_basis: TO_COMPLETE,
      data_subjects: ['drivers and keepers of vehicles passing the readers'],
      personal_data: ['licence plate, stored only as a keyed pseudonym (HMAC-SHA-256, daily key)', 'time, site, zone and reader of the read', 'direction, vehicle type and colour when the reader reports them'],
      recipients: [...RECIPIENTS_OPS, investigators],
      third_country_transfers: NO_TRANSFER,
      erasure: `plate reads without a watchlist hit after ${d(retentionMsFor('lpr', config))}; watchlist hits after ${r.lpr_hit_days} days; plate keys destroyed after ${d(keyRetentionMs('plate', config))} past their day, making older pseudonyms unlinkable`,
    },
    {
      name: 'Access control',
      purposes: ['controlling and recording access through doors', 'detecting forced or held doors and misuse of credentials'],
      legal_basis: TO_COMPLETE,
      data_subjects: ['staff, residents, contractors and visitors holding credentials'],
      personal_data: ['credential (card, PIN or mobile), stored only as a keyed pseudonym', 'door, time, method and result of each access'],
      recipients: [...RECIPIENTS_OPS, investigators],
      third_country_transfers: NO_TRANSFER,
      erasure: `after ${d(retentionMsFor('access', config))}; credential keys destroyed after ${d(keyRetentionMs('credential', config))} past their day`,
    },
    {
      name: 'Wi-Fi presence counting',
      purposes: ['counting how many devices are present per zone (crowding, capacity, planning)'],
      legal_basis: TO_COMPLETE,
      data_subjects: ['people carrying Wi-Fi devices in covered zones'],
      personal_data: wifiCounts
        ? ['MAC address pseudonyms (per-site daily key), held in memory only and discarded within 5 minutes; only per-zone counts of at least ' + config.privacy.k_anonymity + ' are kept']
        : ['MAC address pseudonyms (per-site daily key) with sighting time and zone, kept at most 24 hours for dwell-time statistics', `per-zone counts and dwell statistics of at least ${config.privacy.k_anonymity} devices`],
      recipients: ['control-room operators (k-anonymous aggregates only)', investigators],
      third_country_transfers: NO_TRANSFER,
      erasure: `${wifiCounts ? 'pseudonyms within 5 minutes' : 'sightings after 24 h'}; aggregates after ${r.telemetry_days} days`,
    },
    {
      name: 'Video analytics events',
      purposes: ['intrusion, loitering, line-crossing and occupancy alerts; camera health'],
      legal_basis: TO_COMPLETE,
      data_subjects: ['people in view of the cameras (no image, face or biometric data is received or stored)'],
      personal_data: ['event time, zone and object class (person, vehicle …), counts and durations'],
      recipients: RECIPIENTS_OPS,
      third_country_transfers: NO_TRANSFER,
      erasure: `after ${d(retentionMsFor('camera', config))}`,
    },
    {
      name: 'Operator accounts and audit log',
      purposes: ['authenticating staff using Parapet', 'accountability: an append-only, hash-chained log of logins, changes, investigations, exports and purges'],
      legal_basis: TO_COMPLETE,
      data_subjects: ['operators, administrators, investigators and auditors'],
      personal_data: ['account name, role, site scope; password hash (argon2id); TOTP secret (encrypted)', 'time, action and outcome of each audited act'],
      recipients: ['administrators (accounts)', 'auditors (audit log)'],
      third_country_transfers: NO_TRANSFER,
      erasure: `accounts until removed; system records after ${r.system_days} days`,
    },
  ];
  const tls = config.http.tls.mode === 'off' ? 'loopback-only listeners (TLS off)' : 'TLS 1.2+ with AEAD/ECDHE ciphers off loopback';
  return {
    title: 'Record of processing activities (GDPR Art. 30)',
    generated_at: new Date(now).toISOString(),
    controller: { name: opts.controller ?? TO_COMPLETE, contact: opts.contact ?? TO_COMPLETE, dpo: opts.dpo ?? TO_COMPLETE },
    activities,
    not_collected: PROHIBITED_CATEGORIES,
    security_measures: [
      'pseudonymisation of every identifier at the edge of ingest, before storage, logs or outbound messages (keyed HMAC-SHA-256, ≥ 128 bits)',
      'epoch keys wrapped by a master key kept outside the data store, destroyed at retention (crypto-shredding)',
      config.store.kind === 'sqlite' ? 'database encrypted at rest (key derived from the master key)' : `store: ${config.store.kind}`,
      `events carrying prohibited attributes refused and counted (${PROHIBITED_CATEGORIES.length} categories)`,
      `k-anonymity (k = ${config.privacy.k_anonymity}) on every aggregate`,
      `automatic purge every ${d(r.purge_interval_s * 1000)}; shortest retention ${d(Math.min(retentionMsFor('lpr', config), retentionMsFor('wifi', config)))}, longest ${d(Math.max(r.fire_days, r.env_days, r.health_days, r.telemetry_days, r.system_days) * DAY)}`,
      'no anonymous access; roles and site scopes; argon2id passwords; TOTP for admins and investigators',
      tls,
      'append-only hash-chained audit log with signed checkpoints',
      'leak guard refusing unsafe deployments (public listener without TLS, readable key files, retention off)',
    ],
  };
}

export function renderRopaHtml(r: Ropa): string {
  const body = [
    `<h1>${esc(r.title)}</h1>`,
    `<p class="meta">Generated ${esc(r.generated_at)} from the Parapet configuration.</p>`,
    '<h2>Controller</h2>',
    table(['Controller', 'Contact', 'Data protection officer'], [[r.controller.name, r.controller.contact, r.controller.dpo]]),
    ...r.activities.map(
      (a) =>
        `<h2>${esc(a.name)}</h2>` +
        table(
          ['Item', 'Record'],
          [
            ['Purposes', a.purposes.join('; ')],
            ['Legal basis', a.legal_basis],
            ['Data subjects', a.data_subjects.join('; ')],
            ['Personal data', a.personal_data.join('; ')],
            ['Recipients', a.recipients.join('; ')],
            ['Transfers to third countries', a.third_country_transfers],
            ['Time limits for erasure', a.erasure],
          ],
        ),
    ),
    '<h2>Not collected</h2>',
    `<p>Refused wherever they appear: ${esc(r.not_collected.join('; '))}.</p>`,
    '<h2>Technical and organisational security measures (Art. 32)</h2>',
    `<ul>${r.security_measures.map((m) => `<li>${esc(m)}</li>`).join('')}</ul>`,
  ].join('\n');
  return page(r.title, body);
}
