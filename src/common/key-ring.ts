/**
 * The keys Pulsedesk encrypts with at rest: `ENCRYPTION_KEY` (current) and, during a rotation,
 * `ENCRYPTION_KEY_PREVIOUS`. Everything sealed names the key it was sealed with (a key id, a
 * truncated hash that says nothing about the key), so a rotation is: start with the new key as
 * current and the old one as previous; rows sealed under the old key are re-sealed at boot
 * (tokens, round keys); then the previous key can be dropped.
 *
 * Envelope: `v2.<keyId>.<iv>.<tag>.<ciphertext>` (base64url), AES-256-GCM, with associated data
 * naming what the value is for (`context`): a value copied to another purpose or row fails.
 * `v1.<iv>.<tag>.<ciphertext>` (no key id, no context: tokens written before key ids) is still
 * read, by trying each key.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const TAG_LENGTH = 16;
const IV_LENGTH = 12;

/** No key of the ring can open a value (its key id is unknown): the operator must supply it. */
export class KeyUnavailableError extends Error {
  constructor(readonly keyId: string) {
    super(`sealed with key ${keyId}, which is neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS`);
    this.name = 'KeyUnavailableError';
  }
}

/** The value was sealed with a known key but does not authenticate: tampered, or moved. */
export class SealBrokenError extends Error {
  constructor() {
    super('sealed value failed authentication');
    this.name = 'SealBrokenError';
  }
}

/** A sealed value the ring cannot open for key reasons (not a format or programming error). */
export function isKeyProblem(err: unknown): boolean {
  return err instanceof KeyUnavailableError || err instanceof SealBrokenError;
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('pulsedesk-key-id\0').update(key).digest('hex').slice(0, 12);
}

/** AES-256-GCM with a random nonce: `iv | tag | ciphertext`. */
export function gcmSeal(key: Buffer, plain: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), data]);
}

/** Opens `gcmSeal`'s output; throws SealBrokenError when it does not authenticate. */
export function gcmOpen(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < IV_LENGTH + TAG_LENGTH) throw new SealBrokenError();
  try {
    // A shortened tag would make forgery far cheaper: only the full 16 bytes are accepted.
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_LENGTH), {
      authTagLength: TAG_LENGTH,
    });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(IV_LENGTH, IV_LENGTH + TAG_LENGTH));
    return Buffer.concat([
      decipher.update(sealed.subarray(IV_LENGTH + TAG_LENGTH)),
      decipher.final(),
    ]);
  } catch {
    throw new SealBrokenError();
  }
}

export class KeyRing {
  readonly currentId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(
    private readonly current: Buffer,
    previous?: Buffer,
  ) {
    for (const key of [current, previous]) {
      if (key && key.length !== 32) throw new Error('KeyRing needs 32-byte keys');
    }
    this.currentId = keyIdOf(current);
    this.keys.set(this.currentId, current);
    if (previous) this.keys.set(keyIdOf(previous), previous);
  }

  seal(plain: Buffer, context: string): string {
    const sealed = gcmSeal(this.current, plain, Buffer.from(context, 'utf8'));
    const iv = sealed.subarray(0, IV_LENGTH);
    const tag = sealed.subarray(IV_LENGTH, IV_LENGTH + TAG_LENGTH);
    const data = sealed.subarray(IV_LENGTH + TAG_LENGTH);
    return ['v2', this.currentId, ...[iv, tag, data].map((b) => b.toString('base64url'))].join('.');
  }

  /**
   * Opens an envelope sealed for `context`. KeyUnavailableError when its key is not in the
   * ring; SealBrokenError when it does not authenticate; Error for an unknown format.
   */
  open(envelope: string, context: string): Buffer {
    const parts = envelope.split('.');
    if (parts[0] === 'v1' && parts.length === 4) return this.openV1(parts);
    if (parts[0] !== 'v2' || parts.length !== 5) {
      throw new Error('Encrypted value has an unknown format');
    }
    const key = this.keys.get(parts[1]);
    if (!key) throw new KeyUnavailableError(parts[1]);
    const [iv, tag, data] = parts.slice(2).map((p) => Buffer.from(p, 'base64url'));
    if (iv.length !== IV_LENGTH || tag.length !== TAG_LENGTH) throw new SealBrokenError();
    return gcmOpen(key, Buffer.concat([iv, tag, data]), Buffer.from(context, 'utf8'));
  }

  /** Whether an envelope is sealed with the current key in the current format. */
  isCurrent(envelope: string): boolean {
    return envelope.startsWith(`v2.${this.currentId}.`);
  }

  /** The first format: no key id and no associated data; each key of the ring is tried. */
  private openV1([, iv, tag, data]: string[]): Buffer {
    const sealed = Buffer.concat([iv, tag, data].map((p) => Buffer.from(p, 'base64url')));
    for (const key of this.keys.values()) {
      try {
        return gcmOpen(key, sealed, Buffer.alloc(0));
      } catch {
        // the next key
      }
    }
    throw new SealBrokenError();
  }
}
