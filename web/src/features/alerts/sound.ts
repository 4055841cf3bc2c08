/**
 * The optional tone on a new critical alert (issue 6 §3): synthesised with Web Audio, so no sound
 * file is needed. Browsers allow audio only after a user gesture; the sound toggle is that gesture.
 */
let ctx: AudioContext | null = null;

export function playCriticalTone(gain = 0.2): void {
  try {
    ctx ??= new AudioContext();
    const now = ctx.currentTime;
    // Two short rising beeps (880 Hz, 1175 Hz): distinct from an ordinary notification.
    [880, 1175].forEach((freq, i) => {
      if (!ctx) return;
      const osc = ctx.createOscillator();
      const g = ctx.createGain();
      osc.frequency.value = freq;
      g.gain.setValueAtTime(gain, now + i * 0.25);
      g.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.25 + 0.2);
      osc.connect(g).connect(ctx.destination);
      osc.start(now + i * 0.25);
      osc.stop(now + i * 0.25 + 0.22);
    });
  } catch {
    // No audio device (headless, kiosk without speakers): the visual alarm remains.
  }
}
