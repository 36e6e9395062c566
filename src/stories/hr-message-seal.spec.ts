import { randomBytes } from 'node:crypto';
import { KeyRing, KeyUnavailableError, SealBrokenError } from '../common/key-ring';
import { openHrMessage, resealHrMessage, sealHrMessage } from './hr-message-seal';

describe('the sealed HR message reference', () => {
  const ring = new KeyRing(randomBytes(32));
  const story = '6f1c0a52-8a4e-4d7f-9a51-0d1b2c3d4e5f';
  const other = '0b7d3c1e-2f4a-4b6c-8d9e-1a2b3c4d5e6f';
  const ref = { channel: 'C0HRDESK01', ts: '1764064800.000100' };

  it('opens for its story, and holds neither the channel nor the ts in the clear', () => {
    const sealed = sealHrMessage(ring, story, ref);
    expect(openHrMessage(ring, story, sealed)).toEqual(ref);
    expect(sealed).not.toContain(ref.ts);
    expect(sealed).not.toContain('1764064800');
    expect(sealed).not.toContain(ref.channel);
    expect(Buffer.from(sealed.split('.')[4], 'base64url').toString('latin1')).not.toContain(
      '1764064800',
    );
  });

  it('does not open for another story (a reference copied onto another row)', () => {
    const sealed = sealHrMessage(ring, story, ref);
    expect(() => openHrMessage(ring, other, sealed)).toThrow(SealBrokenError);
  });

  it('is as long for any channel and ts: the length says nothing about the time', () => {
    const lengths = new Set(
      [
        { channel: 'C1', ts: '1.1' },
        ref,
        { channel: 'C0123456789ABCDEFGH', ts: '1764064800.999999' },
        { channel: 'G0HR', ts: '999999999.000001' },
      ].map((r) => sealHrMessage(ring, story, r).length),
    );
    expect(lengths.size).toBe(1);
  });

  it('is sealed again under the new key after a rotation, and the old key alone cannot open it then', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const sealed = sealHrMessage(new KeyRing(oldKey), story, ref);
    const rotated = new KeyRing(newKey, oldKey);
    const again = resealHrMessage(rotated, story, sealed);
    expect(rotated.isCurrent(again)).toBe(true);
    expect(openHrMessage(new KeyRing(newKey), story, again)).toEqual(ref);
    expect(() => openHrMessage(new KeyRing(oldKey), story, again)).toThrow(KeyUnavailableError);
  });

  it('refuses a reference it could not pad to the fixed length', () => {
    expect(() => sealHrMessage(ring, story, { channel: 'C'.repeat(90), ts: ref.ts })).toThrow(
      /too long/,
    );
  });
});
