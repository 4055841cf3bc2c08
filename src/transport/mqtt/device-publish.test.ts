import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.js';
import type { Device } from '../../core/device.js';
import type { IngestInput } from '../../core/event.js';
import type { Principal } from '../../auth/principal.js';
import type { IngestContext, IngestOutcome } from '../../ingest/pipeline.js';
import { handleDevicePublish, redactedSummary, type DevicePublishDeps } from './device-publish.js';
import type { PayloadLimits } from './decode.js';

const cam: Device = { id: 'cam-1', type: 'camera', name: 'Cam', site: 'harbour', zone: 'gate', lat: null, lon: null, heartbeat_s: 60 };
const asCam: Principal = { kind: 'device', id: 'cam-1', name: 'cam-1', role: 'ingest', sites: ['harbour'] };
const limits: PayloadLimits = { maxDepth: 8, maxString: 256, maxBatch: 10, maxBytes: 4096 };

function setup(outcome?: Partial<IngestOutcome>) {
  const calls: Array<{ inputs: readonly IngestInput[]; ctx: IngestContext }> = [];
  const deps: DevicePublishDeps = {
    clock: new FakeClock(5_000),
    registry: { get: (id) => (id === 'cam-1' ? cam : undefined) },
    pipeline: {
      ingest: async (inputs, ctx) => {
        calls.push({ inputs, ctx });
        return { accepted: inputs.length, duplicates: 0, rejected: [], seqs: [], ...outcome };
      },
    },
  };
  return { deps, calls };
}
const pub = (topic: string, payload: string) => ({ topic, payload: Buffer.from(payload), messageId: 7 });

describe('a device publish', () => {
  it('ingests events from its own topic as the device, with the device fixed by the topic', async () => {
    const { deps, calls } = setup();
    const v = await handleDevicePublish(deps, asCam, limits, pub('parapet/v1/cam-1/events', '[{"kind":"camera.motion"},{"kind":"camera.motion"}]'));
    expect(v).toEqual({ kind: 'processed', device: 'cam-1', report: null });
    expect(calls[0]?.inputs.map((i) => i.device)).toEqual(['cam-1', 'cam-1']);
    expect(calls[0]?.ctx.principal).toEqual(asCam);
  });

  it('turns a heartbeat publish into a device.heartbeat at hub time', async () => {
    const { deps, calls } = setup();
    await handleDevicePublish(deps, asCam, limits, pub('parapet/v1/cam-1/heartbeat', ''));
    expect(calls[0]?.inputs).toEqual([{ item: { kind: 'device.heartbeat', ts: 5_000, data: {} }, device: 'cam-1' }]);
  });

  it('refuses another device’s topic, the errors topic, unknown channels and token principals', async () => {
    const { deps, calls } = setup();
    for (const topic of ['parapet/v1/cam-2/events', 'parapet/v1/cam-1/errors', 'parapet/v1/cam-1/status', 'parapet/v1/alerts/critical', 'elsewhere']) {
      expect((await handleDevicePublish(deps, asCam, limits, pub(topic, '{}'))).kind, topic).toBe('refused');
    }
    const op: Principal = { kind: 'token', id: 't', name: 't', role: 'operator', sites: [] };
    expect((await handleDevicePublish(deps, op, limits, pub('parapet/v1/cam-1/events', '{}'))).kind).toBe('refused');
    expect(calls).toHaveLength(0);
  });

  it('refuses a device that was deleted after it connected', async () => {
    const { deps } = setup();
    const gone: Principal = { ...asCam, id: 'cam-9', name: 'cam-9' };
    expect(await handleDevicePublish(deps, gone, limits, pub('parapet/v1/cam-9/events', '{}'))).toMatchObject({ kind: 'refused' });
  });

  it('acknowledges an undecodable payload with a report, ingesting nothing', async () => {
    const { deps, calls } = setup();
    const v = await handleDevicePublish(deps, asCam, limits, pub('parapet/v1/cam-1/events', '{bad'));
    expect(v).toMatchObject({ kind: 'processed', report: { channel: 'events', message_id: 7, accepted: 0, error: 'invalid_json' } });
    expect(calls).toHaveLength(0);
  });

  it('reports rejected members and summarises them without details', async () => {
    const rejected = [{ index: 1, error: 'prohibited_attribute' as const, detail: 'field data.imei is a prohibited attribute' }];
    const { deps } = setup({ accepted: 1, rejected });
    const v = await handleDevicePublish(deps, asCam, limits, pub('parapet/v1/cam-1/events', '[{},{}]'));
    if (v.kind !== 'processed' || !v.report) throw new Error('expected a report');
    expect(v.report.rejected).toEqual(rejected);
    const summary = redactedSummary(v.report);
    expect(summary).toEqual({ channel: 'events', accepted: 1, duplicates: 0, rejected: 1, codes: { prohibited_attribute: 1 } });
    expect(JSON.stringify(summary)).not.toContain('imei');
  });

  it('lets a pipeline failure propagate so nothing is acknowledged', async () => {
    const { deps } = setup();
    const failing: DevicePublishDeps = { ...deps, pipeline: { ingest: async () => Promise.reject(new Error('disk full')) } };
    await expect(handleDevicePublish(failing, asCam, limits, pub('parapet/v1/cam-1/events', '{}'))).rejects.toThrow('disk full');
  });
});
