import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fieldWords, findProhibited, isProhibitedField, normaliseFieldName } from './prohibited.js';
import { CATALOGUE } from '../core/kinds.js';

describe('isProhibitedField', () => {
  it.each([
    // SPEC §4.3, one by one
    'ethnicity', 'ethnic_group', 'race', 'raceLabel', 'religion', 'religious_affiliation', 'beliefs', 'political_opinion',
    'politicalAffiliation', 'sexual_orientation', 'sexualOrientation', 'health', 'health_record', 'medical_condition',
    'attractiveness', 'attractiveness_score', 'beautyScore', 'gender', 'Gender', 'person_gender', 'sex', 'age',
    'age_estimate', 'estimated_age', 'estimatedAge', 'apparentAge', 'age_group', 'ageRange', 'person_age', 'face',
    'face_image', 'faceImage', 'face_crop', 'face_jpeg', 'face_base64', 'faceEmbedding', 'face_embedding_v2',
    'face_template', 'facial_features', 'faceprint', 'embedding', 'gait', 'gait_signature', 'gaitSignature', 'imsi',
    'IMSI', 'imei', 'device_imei', 'msisdn', 'phone_number', 'phoneNumber', 'phone', 'national_id', 'nationalId',
    'NationalIDNumber', 'id_number', 'id_card', 'passport', 'passport_number', 'ssn', 'social_security_number',
    'person_name', 'personName', 'first_name', 'firstName', 'lastName', 'full-name', 'surname', 'driver_name',
    'name_of_person', 'owner.name', 'biometric_template', 'fingerprint', 'skin_color', 'body_temperature',
    'sexuality', 'face.id', 'FACE_ID', 'emotion_score',
  ])('refuses %s', (name) => {
    expect(isProhibitedField(name)).toBe(true);
  });

  it.each([
    'face_visible', 'faceVisible', 'faces', 'face_count', 'face_detected', 'race_track', 'raceTrack', 'page', 'usage',
    'voltage', 'stage', 'storage', 'image_quality', 'message', 'average', 'zone', 'object', 'confidence', 'count',
    'plate', 'credential', 'mac', 'rssi', 'door', 'reason', 'method', 'name', 'device_name', 'zone_name', 'firmware',
    'temperature', 'humidity', 'vehicle_type', 'color', 'direction', 'line', 'seconds', 'uptime_s', 'percent', 'metric',
    'value', 'unit', 'cell_id', 'card_id', 'template_id', 'image', 'health_status', 'identity_provider', 'raceway',
    'gaiter', 'agent', 'embedded', 'phones_seen', 'person_count', 'people_count', 'vehicle_age_s', 'sensor_id',
  ])('accepts %s', (name) => {
    expect(isProhibitedField(name)).toBe(false);
  });

  it('sees through confusable letters, invisible characters and full-width forms', () => {
    expect(isProhibitedField('gеnder')).toBe(true); // Cyrillic е
    expect(isProhibitedField('gen\u200Bder')).toBe(true);
    expect(isProhibitedField('ＧＥＮＤＥＲ')).toBe(true);
    expect(isProhibitedField('ΙΜSΙ')).toBe(true); // Greek Ι and Μ
    expect(isProhibitedField('e\u00ADthnicity')).toBe(true);
  });

  it('accepts a name made only of separators or digits', () => {
    expect(isProhibitedField('__')).toBe(false);
    expect(isProhibitedField('123')).toBe(false);
    expect(isProhibitedField('')).toBe(false);
  });

  it('never refuses a field of the event catalogue', () => {
    for (const spec of CATALOGUE.values()) for (const field of Object.keys(spec.fields)) expect(isProhibitedField(field), field).toBe(false);
  });
});

describe('fieldWords', () => {
  it('splits camelCase, acronyms, snake_case, kebab, dots and digits', () => {
    expect(fieldWords('faceEmbeddingV2')).toEqual(['face', 'embedding', 'v']);
    expect(fieldWords('NationalIDNumber')).toEqual(['national', 'id', 'number']);
    expect(fieldWords('first-name.value_x')).toEqual(['first', 'name', 'value', 'x']);
    expect(normaliseFieldName('Face_ID')).toBe('faceid');
  });
});

describe('findProhibited', () => {
  it('names the path of a top-level data field', () => {
    expect(findProhibited({ kind: 'camera.intrusion', data: { zone: 'a', gender: 'f' } })).toBe('data.gender');
  });

  it('finds a field nested in objects and arrays', () => {
    const item = { data: { zone: 'a', detections: [{ object: 'person' }, { object: 'person', attributes: { estimated_age: 31 } }] } };
    expect(findProhibited(item)).toBe('data.detections[1].attributes.estimated_age');
  });

  it('finds a field in an array of events', () => {
    expect(findProhibited([{ data: {} }, { data: { imsi: '1' } }])).toBe('[1].data.imsi');
  });

  it('finds an attribute declared as a name/value pair', () => {
    const item = { data: { attributes: [{ name: 'colour', value: 'red' }, { name: 'Gender', value: 'm' }] } };
    expect(findProhibited(item)).toBe('data.attributes[1].Gender');
    expect(findProhibited({ data: { props: [{ attribute: 'imsi', values: ['x'] }] } })).toBe('data.props[0].imsi');
  });

  it('does not refuse labels saying only what was seen', () => {
    expect(findProhibited({ data: { detections: [{ label: 'face', score: 0.9 }, { type: 'face', value: 1 }] } })).toBeNull();
    expect(findProhibited({ data: { name: 'gate', value: 3 } })).toBeNull();
  });

  it('never refuses on values, only on names', () => {
    const item = { data: { zone: 'race-track', object: 'person', note: 'gender ethnicity imsi face_embedding', face_visible: true } };
    expect(findProhibited(item)).toBeNull();
    const scalar = fc.oneof(fc.string(), fc.constantFrom('gender', 'imsi', 'face_image', 'ethnicity'), fc.double(), fc.boolean(), fc.constant(null));
    fc.assert(fc.property(fc.oneof(scalar, fc.array(scalar)), (v) => findProhibited({ data: { zone: v } }) === null));
  });

  it('quotes odd keys so the path cannot carry control characters', () => {
    expect(findProhibited({ 'a\nb': { gender: 1 } })).toBe('["a\\nb"].gender');
    expect(findProhibited({ data: { 'ethnic group\u0007': 1 } })).toBe('data["ethnic group\\u0007"]');
  });

  it('returns null for scalars and empty containers', () => {
    expect(findProhibited(null)).toBeNull();
    expect(findProhibited('gender')).toBeNull();
    expect(findProhibited(42)).toBeNull();
    expect(findProhibited([])).toBeNull();
    expect(findProhibited({})).toBeNull();
  });
});

describe('verdict cache', () => {
  it('stays correct when a sender floods it with invented names', () => {
    expect(isProhibitedField('gender')).toBe(true);
    for (let i = 0; i < 10_050; i++) expect(isProhibitedField(`sensor_field_${i}`)).toBe(false);
    expect(isProhibitedField('gender')).toBe(true);
    expect(isProhibitedField('zone')).toBe(false);
  });
});
