import fc from 'fast-check';
import type { QuestionDef, QuestionKind } from './pulse.types';
import { pickRoundQuestions } from './rotation';

function bankOf(kinds: QuestionKind[]): QuestionDef[] {
  return kinds.map((kind, index) => ({
    id: `q${index}`,
    kind,
    prompt: `Question ${index}`,
    ...(kind === 'choice' ? { options: ['a', 'b'] } : {}),
  }));
}

const ids = (questions: QuestionDef[]) => questions.map((q) => q.id);

describe('pickRoundQuestions', () => {
  const bank = bankOf(['scale5', 'scale5', 'text', 'enps', 'choice', 'scale5']);

  it('takes the next perRound rotating questions in bank order from the cursor', () => {
    expect(pickRoundQuestions(bank, 2, 0)).toEqual({
      questions: [bank[0], bank[1], bank[2]],
      nextCursor: 2,
    });
  });

  it('skips text questions in the rotation and appends them to every round', () => {
    const round = pickRoundQuestions(bank, 2, 1);
    expect(ids(round.questions)).toEqual(['q1', 'q3', 'q2']);
    expect(round.nextCursor).toBe(4);
  });

  it('wraps around the end of the bank', () => {
    const round = pickRoundQuestions(bank, 3, 4);
    expect(ids(round.questions)).toEqual(['q4', 'q5', 'q0', 'q2']);
    expect(round.nextCursor).toBe(1);
  });

  it('takes the cursor modulo the bank length, negative cursors included', () => {
    expect(ids(pickRoundQuestions(bank, 1, 6 + 3).questions)).toEqual(['q3', 'q2']);
    expect(ids(pickRoundQuestions(bank, 1, -1).questions)).toEqual(['q5', 'q2']);
  });

  it('clamps perRound to the rotating questions, so a round has no duplicates', () => {
    const round = pickRoundQuestions(bank, 50, 3);
    expect(ids(round.questions)).toEqual(['q3', 'q4', 'q5', 'q0', 'q1', 'q2']);
    expect(round.nextCursor).toBe(2);
  });

  it('asks at least one rotating question, whatever perRound says', () => {
    for (const perRound of [0, -3, Number.NaN]) {
      expect(ids(pickRoundQuestions(bank, perRound, 0).questions)).toEqual(['q0', 'q2']);
    }
  });

  it('returns only the text questions when nothing rotates, and nothing for an empty bank', () => {
    const texts = bankOf(['text', 'text']);
    expect(pickRoundQuestions(texts, 2, 1)).toEqual({ questions: texts, nextCursor: 1 });
    expect(pickRoundQuestions([], 3, 7)).toEqual({ questions: [], nextCursor: 0 });
  });

  it('does not modify the bank', () => {
    const copy = structuredClone(bank);
    pickRoundQuestions(bank, 3, 2);
    expect(bank).toEqual(copy);
  });

  it('rotates fairly over consecutive rounds (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<QuestionKind>('scale5', 'enps', 'choice', 'text'), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.integer({ min: -5, max: 25 }),
        fc.integer({ min: -100, max: 100 }),
        fc.integer({ min: 1, max: 12 }),
        (kinds, perRound, startCursor, rounds) => {
          const bank = bankOf(kinds);
          const rotating = bank.filter((q) => q.kind !== 'text').map((q) => q.id);
          const texts = bank.filter((q) => q.kind === 'text').map((q) => q.id);
          const expectedPerRound = Math.min(Math.max(perRound, 1), rotating.length);
          const counts = new Map(rotating.map((id) => [id, 0]));
          let cursor = startCursor;
          for (let r = 0; r < rounds; r++) {
            const round = pickRoundQuestions(bank, perRound, cursor);
            cursor = round.nextCursor;
            const asked = round.questions.filter((q) => q.kind !== 'text').map((q) => q.id);
            const comments = round.questions.filter((q) => q.kind === 'text').map((q) => q.id);
            expect(comments).toEqual(texts);
            expect(new Set(asked).size).toBe(asked.length);
            expect(asked).toHaveLength(expectedPerRound);
            for (const id of asked) {
              counts.set(id, counts.get(id)! + 1);
              // Nobody sees a repeat before every question has been asked: counts never differ by 2.
              const values = [...counts.values()];
              expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
            }
          }
        },
      ),
    );
  });
});
