/**
 * Small secrets at rest (TOTP seeds, pending enrolments): AES-256-GCM under a key derived from the
 * master key with HKDF-SHA-256 (RFC 5869) and its own label, so a copy of the database alone
 * reveals no second factor. Format: `v1.<iv>.<ciphertext>.<tag>` (base64url), bound to a context
 * string (the user id) as additional data so a sealed value cannot be moved to another account.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export interface SecretBox {
  seal(plain: string, context: string): string;
  /** Null when the value is not ours, was moved to another context, or was altered. */
  open(sealed: string, context: string): string | null;
  /** Keyed hash (HMAC-SHA-256) for one-time codes: useless offline without the master key. */
  mac(value: string): string;
}

function derive(master: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.from('parapet/v1', 'utf8'), Buffer.from(label, 'utf8'), 32));
}

export function createSecretBox(masterKey: Buffer): SecretBox {
  const key = derive(masterKey, 'auth-secrets');
  const macKey = derive(masterKey, 'auth-code-mac');
  return {
    seal(plain, context) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.setAAD(Buffer.from(context, 'utf8'));
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return ['v1', iv.toString('base64url'), ct.toString('base64url'), c.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed, context) {
      const [v, iv, ct, tag] = sealed.split('.');
      if (v !== 'v1' || iv === undefined || ct === undefined || tag === undefined) return null;
      try {
        const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        d.setAAD(Buffer.from(context, 'utf8'));
        d.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
      } catch {
        return null;
      }
    },
    mac(value) {
      return createHmac('sha256', macKey).update(value, 'utf8').digest('hex');
    },
  };
}
