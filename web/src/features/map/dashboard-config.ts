/**
 * The hub's presentation settings for the map (`/dashboard-config.json`, served with the static
 * files by src/transport/http/static.ts; no data, no credential): an optional tile URL. Without it,
 * or when the hub is older, the map draws the site plan on a plain background.
 */
import { useEffect, useState } from 'react';
import type { DashboardConfig } from '../../../../src/transport/http/static.js';

export function useDashboardConfig(): DashboardConfig | null {
  const [config, setConfig] = useState<DashboardConfig | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    fetch('/dashboard-config.json', { signal: ctl.signal, cache: 'no-store' })
      .then(async (res) => (res.ok ? ((await res.json()) as DashboardConfig) : null))
      .then((c) => setConfig(c))
      .catch(() => undefined); // not offered: no tiles
    return () => ctl.abort();
  }, []);
  return config;
}
