/**
 * Device import (the formats of `parapet device import`: JSON, CSV, GeoJSON). Each device is sent
 * as `PUT /devices/:id`, a few at a time; the hub validates it and its reason is listed per device.
 */
import { useState, type ChangeEvent } from 'react';
import { useSession } from '../../session.js';
import { asApiError } from '../../hooks/use-api.js';
import { parseDeviceFile, type ParsedFile } from './device-import.js';

/** Requests in flight at once. */
const CONCURRENCY = 8;

export function ImportTab() {
  const { api } = useSession();
  const [file, setFile] = useState<{ name: string; parsed: ParsedFile } | null>(null);
  const [progress, setProgress] = useState<{ done: number; ok: number; failed: string[] } | null>(null);

  const pick = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    setProgress(null);
    if (!f) return setFile(null);
    setFile({ name: f.name, parsed: parseDeviceFile(f.name, await f.text()) });
  };

  const importAll = async () => {
    if (!file) return;
    const queue = [...file.parsed.devices];
    const state = { done: 0, ok: 0, failed: [] as string[] };
    setProgress({ ...state });
    const worker = async () => {
      for (let d = queue.shift(); d; d = queue.shift()) {
        const { id, ...body } = d;
        try {
          await api.putDevice(id, body);
          state.ok += 1;
        } catch (err) {
          const x = asApiError(err);
          state.failed.push(`${id}: ${x.detail}`);
        }
        state.done += 1;
        setProgress({ ...state, failed: [...state.failed] });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };

  return (
    <section className="panel" aria-labelledby="import-title">
      <h2 id="import-title" style={{ marginTop: 0 }}>
        Import devices
      </h2>
      <p className="muted">A JSON array of devices, a CSV file with a header row (id,type,name,site,zone,lat,lon,heartbeat_s) or a GeoJSON FeatureCollection of points.</p>
      <label>
        Device file
        <input type="file" accept=".json,.csv,.geojson,application/json,text/csv,application/geo+json" onChange={(e) => void pick(e)} />
      </label>
      {file && (
        <div style={{ marginTop: '1rem' }}>
          <p>
            {file.name}: {file.parsed.devices.length} device{file.parsed.devices.length === 1 ? '' : 's'} read
            {file.parsed.problems.length > 0 ? `, ${file.parsed.problems.length} unreadable` : ''}.
          </p>
          {file.parsed.problems.length > 0 && (
            <ul className="notice warn">
              {file.parsed.problems.slice(0, 20).map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          <button className="primary" type="button" disabled={file.parsed.devices.length === 0 || (progress !== null && progress.done < file.parsed.devices.length)} onClick={() => void importAll()}>
            Import {file.parsed.devices.length} devices
          </button>
        </div>
      )}
      {progress && (
        <div style={{ marginTop: '1rem' }} role="status" aria-live="polite">
          <progress max={file?.parsed.devices.length ?? 1} value={progress.done} aria-label="Import progress" /> {progress.done} sent, {progress.ok} stored, {progress.failed.length} refused
          {progress.failed.length > 0 && (
            <ul className="notice error">
              {progress.failed.slice(0, 50).map((f) => (
                <li key={f}>{f}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
