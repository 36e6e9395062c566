import fc from 'fast-check';
import { checkCoverage, maxConcurrent } from './coverage';

const at = (hhmm: string) => new Date(`2026-11-25T${hhmm}:00Z`);
const block = (s: string, e: string) => ({ start: at(s), end: at(e) });

describe('maxConcurrent', () => {
  it('counts overlaps inside the window only, and back-to-back blocks as not overlapping', () => {
    const others = [
      block('09:00', '10:00'),
      block('09:30', '11:00'),
      block('10:00', '10:30'),
      block('12:00', '13:00'),
    ];
    expect(maxConcurrent(others, at('09:00'), at('12:00'))).toBe(2);
    expect(maxConcurrent(others, at('10:30'), at('11:30'))).toBe(1);
    expect(maxConcurrent(others, at('11:00'), at('12:00'))).toBe(0);
  });
});

describe('checkCoverage', () => {
  it('lets a block through when enough agents stay on duty', () => {
    // 5 agents, min 3 on duty: one other focusing leaves 5 - 1 - 1 = 3.
    expect(
      checkCoverage({
        teamSize: 5,
        minOnDuty: 3,
        others: [block('09:00', '10:00')],
        start: at('09:30'),
        end: at('10:30'),
      }),
    ).toEqual({ fits: true });
  });

  it('refuses a block that would leave the team short, with the next time it fits', () => {
    const others = [block('09:00', '10:00'), block('09:15', '10:45')];
    const verdict = checkCoverage({
      teamSize: 5,
      minOnDuty: 3,
      others,
      start: at('09:30'),
      end: at('10:30'),
    });
    expect(verdict).toEqual({ fits: false, nextFit: at('10:00') });
  });

  it('checks every moment of the block, not just its start', () => {
    const others = [block('09:00', '09:30'), block('10:15', '11:00'), block('10:20', '11:30')];
    const verdict = checkCoverage({
      teamSize: 5,
      minOnDuty: 3,
      others,
      start: at('10:00'),
      end: at('10:30'),
    });
    expect(verdict).toEqual({ fits: false, nextFit: at('11:00') });
  });

  it('says no time fits when the team is too small for its minimum', () => {
    expect(
      checkCoverage({
        teamSize: 2,
        minOnDuty: 2,
        others: [],
        start: at('09:00'),
        end: at('10:00'),
      }),
    ).toEqual({ fits: false, nextFit: null });
  });

  it('never guards a team without a minimum', () => {
    const others = Array.from({ length: 4 }, () => block('09:00', '10:00'));
    expect(
      checkCoverage({ teamSize: 5, minOnDuty: 0, others, start: at('09:00'), end: at('10:00') }),
    ).toEqual({ fits: true });
  });

  it('property: a suggested next fit really fits, and a fitting block leaves at least minOnDuty on duty', () => {
    const minute = 60_000;
    const base = at('08:00').getTime();
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 5, max: 180 })), {
          maxLength: 8,
        }),
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 5, max: 180 }),
        (teamSize, minOnDuty, raw, s, d) => {
          const others = raw.map(([o, len]) => ({
            start: new Date(base + o * minute),
            end: new Date(base + (o + len) * minute),
          }));
          const start = new Date(base + s * minute);
          const end = new Date(start.getTime() + d * minute);
          const verdict = checkCoverage({ teamSize, minOnDuty, others, start, end });
          const onDuty = (from: Date) =>
            teamSize - 1 - maxConcurrent(others, from, new Date(from.getTime() + d * minute));
          if (verdict.fits) return onDuty(start) >= minOnDuty;
          if (verdict.nextFit)
            return verdict.nextFit > start && onDuty(verdict.nextFit) >= minOnDuty;
          return true;
        },
      ),
    );
  });
});
