/**
 * A binary min-heap of (deadline, slot) pairs in typed arrays: the viewport index's queue of
 * online devices by heartbeat deadline (viewport-index.ts). It stores numbers only; which entries
 * are still current is the caller's business.
 */
export class ExpiryQueue {
  private keys = new Float64Array(1024);
  private slots = new Int32Array(1024);
  private n = 0;

  get size(): number {
    return this.n;
  }

  /** Smallest deadline queued, Infinity when empty. */
  peek(): number {
    return this.n > 0 ? (this.keys[0] as number) : Infinity;
  }

  push(key: number, slot: number): void {
    if (this.n === this.keys.length) {
      const keys = new Float64Array(this.n * 2);
      keys.set(this.keys);
      this.keys = keys;
      const slots = new Int32Array(this.n * 2);
      slots.set(this.slots);
      this.slots = slots;
    }
    let i = this.n++;
    while (i > 0) {
      const up = (i - 1) >> 1;
      const k = this.keys[up] as number;
      if (k <= key) break;
      this.keys[i] = k;
      this.slots[i] = this.slots[up] as number;
      i = up;
    }
    this.keys[i] = key;
    this.slots[i] = slot;
  }

  /** Removes the entry with the smallest deadline and answers its slot (-1 when empty). */
  pop(): number {
    if (this.n === 0) return -1;
    const top = this.slots[0] as number;
    const n = --this.n;
    const key = this.keys[n] as number;
    const slot = this.slots[n] as number;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (this.keys[c + 1] as number) < (this.keys[c] as number)) c += 1;
      if ((this.keys[c] as number) >= key) break;
      this.keys[i] = this.keys[c] as number;
      this.slots[i] = this.slots[c] as number;
      i = c;
    }
    this.keys[i] = key;
    this.slots[i] = slot;
    return top;
  }

  clear(): void {
    this.n = 0;
  }
}
