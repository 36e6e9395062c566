import { createCipheriv, randomBytes } from 'node:crypto';
import { keyIdOf, KeyRing, KeyUnavailableError, SealBrokenError } from './key-ring';
import { TokenCipher } from './token-cipher';

/** The first stored format, as the release before key ids wrote it. */
function sealV1(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

describe('KeyRing', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('names each key by an id that differs per key and is stable', () => {
    expect(keyIdOf(oldKey)).toMatch(/^[0-9a-f]{12}$/);
    expect(keyIdOf(oldKey)).toBe(keyIdOf(Buffer.from(oldKey)));
    expect(keyIdOf(oldKey)).not.toBe(keyIdOf(newKey));
  });

  it('opens what the previous key sealed after a rotation, and seals with the new one', () => {
    const before = new KeyRing(oldKey);
    const sealed = before.seal(Buffer.from('round key'), 'ctx');
    const rotated = new KeyRing(newKey, oldKey);
    expect(rotated.open(sealed, 'ctx').toString()).toBe('round key');
    expect(rotated.isCurrent(sealed)).toBe(false);
    const resealed = rotated.seal(Buffer.from('round key'), 'ctx');
    expect(rotated.isCurrent(resealed)).toBe(true);
    // Once the previous key is dropped, only what was re-sealed can be read.
    const after = new KeyRing(newKey);
    expect(after.open(resealed, 'ctx').toString()).toBe('round key');
    expect(() => after.open(sealed, 'ctx')).toThrow(KeyUnavailableError);
  });

  it('binds a value to its context: opened for another purpose it fails', () => {
    const ring = new KeyRing(newKey);
    const sealed = ring.seal(Buffer.from('x'), 'pulsedesk/round-key/a');
    expect(() => ring.open(sealed, 'pulsedesk/round-key/b')).toThrow(SealBrokenError);
  });

  it('reads the first format (no key id) with either key of the ring', () => {
    const v1 = sealV1(oldKey, 'xoxb-legacy');
    expect(new TokenCipher(new KeyRing(newKey, oldKey)).decrypt(v1)).toBe('xoxb-legacy');
    expect(new TokenCipher(new KeyRing(oldKey)).decrypt(v1)).toBe('xoxb-legacy');
    expect(() => new TokenCipher(new KeyRing(newKey)).decrypt(v1)).toThrow(SealBrokenError);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => new KeyRing(randomBytes(16))).toThrow('32-byte');
    expect(() => new KeyRing(newKey, randomBytes(31))).toThrow('32-byte');
  });
});
