/**
 * Encrypts Slack tokens at rest with AES-256-GCM. The stored form is
 * `v1.<iv>.<tag>.<ciphertext>` (base64url), so the scheme can be rotated later.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const TAG_LENGTH = 16;

export class TokenCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('TokenCipher needs a 32-byte key');
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ['v1', iv, tag, data]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  decrypt(stored: string): string {
    const parts = stored.split('.');
    const [version, iv, tag, data] = parts;
    if (parts.length !== 4 || version !== 'v1' || !iv || !tag) {
      throw new Error('Encrypted value has an unknown format');
    }
    // A shortened tag would make forgery far cheaper: only the full 16 bytes are accepted.
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_LENGTH,
    });
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(data, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
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
