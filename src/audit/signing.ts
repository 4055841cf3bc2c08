/**
 * The audit signing key (SPEC §5.7): an Ed25519 key whose 32-byte seed is derived from the master
 * key with HKDF-SHA-256 (RFC 5869) under its own label, so it is never stored anywhere and
 * destroying the master key destroys it. Whoever holds only the database cannot forge checkpoints.
 */
import { createHash, createPrivateKey, createPublicKey, hkdfSync, sign, verify, type KeyObject } from 'node:crypto';

/** DER prefix of a PKCS#8 Ed25519 private key (RFC 8410) before the 32-byte seed. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface AuditSigner {
  readonly keyId: string;
  /** Raw 32-byte public key, base64 (publish it to verify checkpoints elsewhere). */
  readonly publicKey: string;
  sign(message: Buffer): string;
  verify(message: Buffer, signature: string): boolean;
}

export function deriveAuditSeed(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.from('parapet/v1', 'utf8'), Buffer.from('audit-signing', 'utf8'), 32));
}

function rawPublicKey(pub: KeyObject): Buffer {
  // SPKI DER of Ed25519 is a 12-byte header followed by the 32-byte key.
  return pub.export({ format: 'der', type: 'spki' }).subarray(12);
}

export function createAuditSigner(masterKey: Buffer): AuditSigner {
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, deriveAuditSeed(masterKey)]), format: 'der', type: 'pkcs8' });
  const pub = createPublicKey(priv);
  const raw = rawPublicKey(pub);
  return {
    keyId: createHash('sha256').update(raw).digest('hex').slice(0, 16),
    publicKey: raw.toString('base64'),
    sign: (message) => sign(null, message, priv).toString('base64'),
    verify: (message, signature) => {
      try {
        return verify(null, message, pub, Buffer.from(signature, 'base64'));
      } catch {
        return false;
      }
    },
  };
}
