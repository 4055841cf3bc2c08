/**
 * Where the NATS bus connects and where it starts reading: the server list with credentials split
 * out of the URL (never shown in messages), and the first stream sequence to read on a resume.
 */
import { ParapetError } from '../../core/errors.js';

export interface Target {
  readonly servers: string[];
  /** host:port list for messages: never the credentials. */
  readonly shown: string;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  readonly tls: boolean;
}

/** Splits credentials out of the URL: the client takes them as options, and messages must not show them. */
export function parseTarget(url: string): Target {
  const servers: string[] = [];
  let user: string | undefined;
  let pass: string | undefined;
  let tls = false;
  for (const raw of url.split(',')) {
    const entry = raw.trim();
    let u: URL;
    try {
      u = new URL(entry.includes('://') ? entry : `nats://${entry}`);
    } catch {
      throw new ParapetError('invalid_config', 'bus.nats_url is not a NATS URL (nats://host:port)');
    }
    if ((u.protocol !== 'nats:' && u.protocol !== 'tls:') || !u.hostname) {
      throw new ParapetError('invalid_config', 'bus.nats_url is not a NATS URL (nats://host:port)');
    }
    if (u.protocol === 'tls:') tls = true;
    if (u.username && user === undefined) {
      user = decodeURIComponent(u.username);
      if (u.password) pass = decodeURIComponent(u.password);
    }
    servers.push(`${u.hostname}:${u.port || '4222'}`);
  }
  const shown = servers.join(', ');
  // `nats://secret@host` carries a token, `nats://user:pass@host` a user and password.
  if (user !== undefined && pass === undefined) return { servers, shown, token: user, tls };
  return { servers, shown, ...(user !== undefined ? { user, pass } : {}), tls };
}

export function reason(err: unknown, t: Target): string {
  let text = err instanceof Error ? err.message : String(err);
  for (const secret of [t.pass, t.token]) if (secret) text = text.split(secret).join('***');
  return text;
}

/** The first stream sequence to read: after `resumeAfter` when the stream still holds it, else after its end. */
export function startSeq(first: number, last: number, resumeAfter: number | undefined, warn: (m: string) => void): number {
  if (resumeAfter === undefined) return last + 1;
  if (resumeAfter > last) {
    // The stream was recreated since: what it holds now was published after we stopped.
    warn(`resume position ${resumeAfter} is past the stream's end (${last}): the stream was recreated; reading all it holds`);
    return Math.max(1, first);
  }
  if (resumeAfter + 1 < first) {
    warn(`${first - resumeAfter - 1} messages published since position ${resumeAfter} were dropped by the stream's retention before this node read them`);
    return first;
  }
  return resumeAfter + 1;
}
