import { effectiveK } from './effective-k';

describe('effectiveK', () => {
  it('keeps the round’s own k when the workspace has lowered its threshold since', () => {
    expect(effectiveK({ k: 7 }, { anonymityThreshold: 5 })).toBe(7);
  });

  it('raises to the workspace’s threshold when it was raised after the round opened', () => {
    expect(effectiveK({ k: 5 }, { anonymityThreshold: 9 })).toBe(9);
  });

  it('is the common value when both agree', () => {
    expect(effectiveK({ k: 5 }, { anonymityThreshold: 5 })).toBe(5);
  });
});
