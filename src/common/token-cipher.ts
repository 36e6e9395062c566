/**
 * Encrypts Slack tokens at rest with AES-256-GCM through the key ring (key-ring.ts): the stored
 * form names its key (`v2.<keyId>.…`), so ENCRYPTION_KEY can rotate; tokens stored in the first
 * format (`v1.<iv>.<tag>.<ciphertext>`) are still read and re-sealed at boot.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KeyRing } from './key-ring';

/** What a Slack token is sealed for: a token cannot be opened as anything else. */
const TOKEN_CONTEXT = 'pulsedesk/slack-token';

export class TokenCipher {
  readonly ring: KeyRing;

  constructor(keys: KeyRing | Buffer) {
    if (Buffer.isBuffer(keys) && keys.length !== 32) {
      throw new Error('TokenCipher needs a 32-byte key');
    }
    this.ring = Buffer.isBuffer(keys) ? new KeyRing(keys) : keys;
  }

  encrypt(plain: string): string {
    return this.ring.seal(Buffer.from(plain, 'utf8'), TOKEN_CONTEXT);
  }

  decrypt(stored: string): string {
    return this.ring.open(stored, TOKEN_CONTEXT).toString('utf8');
  }

  /** Whether a stored token is sealed with the current key (else it is re-sealed at boot). */
  isCurrent(stored: string): boolean {
    return this.ring.isCurrent(stored);
  }
}

/**
 * ENCRYPTION_KEY when given; otherwise a key generated once into DATA_DIR (mode 0600) and
 * reused on every later start. Returns whether the key was generated just now.
 */
export function resolveEncryptionKey(
  configured: Buffer | undefined,
  dataDir: string,
): { key: Buffer; source: 'env' | 'file' | 'generated'; file?: string } {
  if (configured) return { key: configured, source: 'env' };
  const file = path.join(dataDir, 'encryption.key');
  try {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
    return { key, source: 'file', file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  // 'wx' fails if another process created the file first; then use theirs.
  try {
    fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      return resolveEncryptionKey(undefined, dataDir);
    throw err;
  }
  return { key, source: 'generated', file };
}
