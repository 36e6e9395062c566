/**
 * Encrypts Slack tokens at rest with AES-256-GCM through the key ring (key-ring.ts): the stored
 * form names its key (`v2.<keyId>.…`), so ENCRYPTION_KEY can rotate; tokens stored in the first
 * format (`v1.<iv>.<tag>.<ciphertext>`) are still read and re-sealed at boot.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KeyRing, SealBrokenError } from './key-ring';

/** What a Slack token is sealed for: a token cannot be opened as anything else. */
const TOKEN_CONTEXT = 'pulsedesk/slack-token';

/**
 * The associated data of a token bound to its row (`row` names table, row and column, e.g.
 * `people/<id>/user_token`): a ciphertext copied into another row does not open there.
 */
function boundContext(row: string): string {
  return `${TOKEN_CONTEXT}\u0000${row}`;
}

export class TokenCipher {
  readonly ring: KeyRing;

  constructor(keys: KeyRing | Buffer) {
    if (Buffer.isBuffer(keys) && keys.length !== 32) {
      throw new Error('TokenCipher needs a 32-byte key');
    }
    this.ring = Buffer.isBuffer(keys) ? new KeyRing(keys) : keys;
  }

  /** Seals a token for `row`; without a row, in the earlier unbound form (kept for tests of it). */
  encrypt(plain: string, row?: string): string {
    return this.ring.seal(Buffer.from(plain, 'utf8'), row ? boundContext(row) : TOKEN_CONTEXT);
  }

  /**
   * Opens a token stored in `row`. Tokens sealed before row binding (no row in their associated
   * data) still open, so a replica of the previous release may write one during an upgrade;
   * boot re-seals them bound (reseal.ts). A bound token moved to another row opens as neither.
   */
  decrypt(stored: string, row?: string): string {
    if (!row) return this.ring.open(stored, TOKEN_CONTEXT).toString('utf8');
    try {
      return this.ring.open(stored, boundContext(row)).toString('utf8');
    } catch (err) {
      if (!(err instanceof SealBrokenError)) throw err;
      // Sealed before row binding, under the bare context (v1 tokens carry none and opened above).
      return this.ring.open(stored, TOKEN_CONTEXT).toString('utf8');
    }
  }

  /**
   * Whether a stored token is sealed with the current key, bound to `row` when one is given
   * (else it is re-sealed at boot). With a row this opens the token: boot only.
   */
  isCurrent(stored: string, row?: string): boolean {
    if (!this.ring.isCurrent(stored)) return false;
    if (!row) return true;
    try {
      this.ring.open(stored, boundContext(row));
      return true;
    } catch {
      return false;
    }
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
