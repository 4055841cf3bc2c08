/** Where a PostgreSQL URL points, for messages that must never show its credentials. */
import { ParapetError } from '../../core/errors.js';

export interface Target {
  /** host:port for messages: never the credentials. */
  readonly shown: string;
  readonly secrets: string[];
}

export function parseTarget(url: string): Target {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ParapetError('invalid_config', 'store.postgres_url is not a PostgreSQL URL (postgres://user:password@host:port/database)');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new ParapetError('invalid_config', 'store.postgres_url is not a PostgreSQL URL (postgres://user:password@host:port/database)');
  }
  const host = u.hostname || u.searchParams.get('host') || 'localhost';
  const secrets = [u.password, safeDecode(u.password), u.searchParams.get('password') ?? ''].filter((x) => x !== '');
  return { shown: `${host}:${u.port || '5432'}`, secrets };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function reason(err: unknown, t: Target): string {
  let text = err instanceof Error ? err.message : String(err);
  for (const secret of t.secrets) text = text.split(secret).join('***');
  return text;
}
