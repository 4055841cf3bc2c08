/**
 * The serving node's position in the shared stream, kept in the store (bus.ts `position`), so a
 * restarted serving node resumes where it stopped (docs/scale-out.md).
 */
import type { Bus } from './bus.js';
import type { KvStore } from '../store/store.js';

/** Where the serving node keeps its position in the shared stream (kv). */
export const busPositionKey = (prefix: string): string => `bus/position/${prefix}`;

/** How often the serving node records its position in the shared stream. */
const BUS_POSITION_SAVE_MS = 1_000;

/** Saves the bus position (a shared bus only) every second and once more when stopped. */
export function saveBusPosition(bus: Bus, kv: KvStore, prefix: string, onError: (err: unknown) => void): { stop(): Promise<void> } {
  const position = bus.position?.bind(bus);
  if (!position) return { stop: async () => undefined };
  const key = busPositionKey(prefix);
  let saved = position();
  let saving: Promise<void> = Promise.resolve();
  const save = () => {
    const now = position();
    if (now === saved) return saving;
    saving = kv.set(key, now).then(() => void (saved = now), onError);
    return saving;
  };
  const timer = setInterval(() => void save(), BUS_POSITION_SAVE_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await saving;
      await save();
    },
  };
}
