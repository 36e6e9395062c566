import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SealBrokenError } from './key-ring';
import { resealTokens } from './reseal';
import { resolveEncryptionKey, TokenCipher } from './token-cipher';

const PLAIN = 'xoxp-1234-5678-secret-user-token';

/** Flips one bit of the base64url part at index `part` of a stored value. */
function flipBit(stored: string, part: 2 | 3 | 4): string {
  const parts = stored.split('.');
  const bytes = Buffer.from(parts[part], 'base64url');
  bytes[0] ^= 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('TokenCipher', () => {
  const cipher = new TokenCipher(randomBytes(32));

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new TokenCipher(randomBytes(16))).toThrow('32-byte key');
  });

  it('decrypts what it encrypted', () => {
    expect(cipher.decrypt(cipher.encrypt(PLAIN))).toBe(PLAIN);
  });

  it('round-trips empty and non-ASCII text', () => {
    expect(cipher.decrypt(cipher.encrypt(''))).toBe('');
    expect(cipher.decrypt(cipher.encrypt('clé 🔑 ключ'))).toBe('clé 🔑 ключ');
  });

  it('stores v2.<keyId>.<iv>.<tag>.<data> in base64url', () => {
    const stored = cipher.encrypt(PLAIN);
    const [version, keyId, iv, tag, data, ...rest] = stored.split('.');
    expect(version).toBe('v2');
    expect(keyId).toBe(cipher.ring.currentId);
    expect(rest).toEqual([]);
    expect(Buffer.from(iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag, 'base64url')).toHaveLength(16);
    expect(Buffer.from(data, 'base64url')).toHaveLength(Buffer.byteLength(PLAIN));
    expect(stored).toMatch(/^v2\.[0-9a-f]{12}\.[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('never contains the plaintext, in any encoding', () => {
    const stored = cipher.encrypt(PLAIN);
    expect(stored).not.toContain(PLAIN);
    expect(stored).not.toContain('secret');
    expect(stored).not.toContain(Buffer.from(PLAIN).toString('base64url'));
    expect(stored).not.toContain(Buffer.from(PLAIN).toString('base64'));
  });

  it('differs on every call (random IV)', () => {
    const a = cipher.encrypt(PLAIN);
    const b = cipher.encrypt(PLAIN);
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    expect(cipher.decrypt(a)).toBe(PLAIN);
    expect(cipher.decrypt(b)).toBe(PLAIN);
  });

  it.each([
    ['iv', 2],
    ['tag', 3],
    ['data', 4],
  ] as const)('throws when the %s was tampered with', (_part, index) => {
    const stored = cipher.encrypt(PLAIN);
    const tampered = flipBit(stored, index);
    expect(tampered).not.toBe(stored);
    expect(() => cipher.decrypt(tampered)).toThrow();
  });

  it('throws when a part was swapped with another ciphertext', () => {
    const [v, id, iv, tag] = cipher.encrypt(PLAIN).split('.');
    const otherData = cipher.encrypt('xoxp-another-token-of-same-size').split('.')[4];
    expect(() => cipher.decrypt([v, id, iv, tag, otherData].join('.'))).toThrow();
  });

  it('refuses a shortened authentication tag (forgery would get far cheaper)', () => {
    const [v, id, iv, tag, data] = cipher.encrypt(PLAIN).split('.');
    const short = Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => cipher.decrypt([v, id, iv, short, data].join('.'))).toThrow();
  });

  it('throws with another key', () => {
    const stored = cipher.encrypt(PLAIN);
    expect(() => new TokenCipher(randomBytes(32)).decrypt(stored)).toThrow();
  });

  it.each([
    ['plain text', PLAIN],
    ['empty', ''],
    ['another version', 'v3.aaaa.bbbb.cccc.dddd'],
    ['too few parts', 'v1.aaaa.bbbb'],
    ['v2 with too few parts', 'v2.aaaa.bbbb.cccc'],
    ['an extra part', 'v1.aaaa.bbbb.cccc.dddd.eeee'],
  ])('throws on an unknown format: %s', (_label, stored) => {
    expect(() => cipher.decrypt(stored)).toThrow('unknown format');
  });
});

describe('resolveEncryptionKey', () => {
  let tmp: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pd-key-'));
  });

  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('uses ENCRYPTION_KEY when given and writes nothing', () => {
    const configured = randomBytes(32);
    const dataDir = path.join(tmp, 'data');
    expect(resolveEncryptionKey(configured, dataDir)).toEqual({ key: configured, source: 'env' });
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('prefers ENCRYPTION_KEY over a key file', () => {
    fs.writeFileSync(path.join(tmp, 'encryption.key'), randomBytes(32).toString('base64'));
    const configured = randomBytes(32);
    const resolved = resolveEncryptionKey(configured, tmp);
    expect(resolved.source).toBe('env');
    expect(resolved.key.equals(configured)).toBe(true);
  });

  it('generates a key once into DATA_DIR (mode 0600) and reads the same key back', () => {
    const dataDir = path.join(tmp, 'nested', 'data');
    const first = resolveEncryptionKey(undefined, dataDir);
    const file = path.join(dataDir, 'encryption.key');
    expect(first.source).toBe('generated');
    expect(first.file).toBe(file);
    expect(first.key).toHaveLength(32);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64').equals(first.key)).toBe(
      true,
    );

    const second = resolveEncryptionKey(undefined, dataDir);
    expect(second.source).toBe('file');
    expect(second.file).toBe(file);
    expect(second.key.equals(first.key)).toBe(true);
  });

  it('generates a different key for another DATA_DIR', () => {
    const a = resolveEncryptionKey(undefined, path.join(tmp, 'a'));
    const b = resolveEncryptionKey(undefined, path.join(tmp, 'b'));
    expect(a.key.equals(b.key)).toBe(false);
  });

  it('keys a working cipher that survives a restart', () => {
    const stored = new TokenCipher(resolveEncryptionKey(undefined, tmp).key).encrypt(PLAIN);
    expect(new TokenCipher(resolveEncryptionKey(undefined, tmp).key).decrypt(stored)).toBe(PLAIN);
  });

  it.each([
    ['garbage', 'not a key\n'],
    ['a short key', randomBytes(16).toString('base64')],
    ['an empty file', ''],
  ])('throws naming the file when it holds %s', (_label, content) => {
    const file = path.join(tmp, 'encryption.key');
    fs.writeFileSync(file, content);
    expect(() => resolveEncryptionKey(undefined, tmp)).toThrow(file);
    // The corrupt file is left for the operator, never silently replaced.
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
  });
});

describe('TokenCipher: tokens bound to their row', () => {
  const cipher = new TokenCipher(randomBytes(32));
  const rowA = 'people/aaaaaaaa-0000-4000-8000-000000000001/user_token';
  const rowB = 'people/bbbbbbbb-0000-4000-8000-000000000002/user_token';

  it('opens a bound token in its own row only: copied to another row it fails', () => {
    const sealed = cipher.encrypt(PLAIN, rowA);
    expect(cipher.decrypt(sealed, rowA)).toBe(PLAIN);
    expect(() => cipher.decrypt(sealed, rowB)).toThrow(SealBrokenError);
    // nor as an unbound token
    expect(() => cipher.decrypt(sealed)).toThrow(SealBrokenError);
  });

  it('still reads a token sealed before binding (no row), and calls it not current', () => {
    const legacy = cipher.encrypt(PLAIN);
    expect(cipher.decrypt(legacy, rowA)).toBe(PLAIN);
    expect(cipher.isCurrent(legacy, rowA)).toBe(false);
    expect(cipher.isCurrent(cipher.encrypt(PLAIN, rowA), rowA)).toBe(true);
    expect(cipher.isCurrent(cipher.encrypt(PLAIN, rowA), rowB)).toBe(false);
  });

  it('re-seals unbound tokens bound to their row, and leaves bound ones alone', async () => {
    const rows = new Map([
      ['a', cipher.encrypt('xoxp-a')],
      ['b', cipher.encrypt('xoxp-b', 'people/b/user_token')],
    ]);
    const column = {
      sealedValues: async () => [...rows].map(([id, sealed]) => ({ id, sealed })),
      replaceSealed: async (id: string, _from: string, to: string) => void rows.set(id, to),
    };
    const before = rows.get('b');
    const result = await resealTokens(cipher, column, (id) => `people/${id}/user_token`);
    expect(result).toEqual({ resealed: 1, unreadable: 0 });
    expect(rows.get('b')).toBe(before);
    expect(cipher.decrypt(rows.get('a')!, 'people/a/user_token')).toBe('xoxp-a');
    expect(() => cipher.decrypt(rows.get('a')!, 'people/b/user_token')).toThrow(SealBrokenError);
  });
});
