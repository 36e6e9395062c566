import type { QuestionDef } from '../pulse.types';
import { ballotSize, COMMENT_MAX_BYTES, decodeBallot, encodeBallot } from './ballot-codec';

const QUESTIONS: QuestionDef[] = [
  { id: 'mood', kind: 'scale5', prompt: 'p' },
  { id: 'enps', kind: 'enps', prompt: 'p' },
  { id: 'tool', kind: 'choice', prompt: 'p', options: ['A', 'B', 'C'] },
  { id: 'comment', kind: 'text', prompt: 'p' },
];
const TEAM = '5ec7d728-3033-4dc2-aa1e-7cc6ef588dce';

describe('ballot codec', () => {
  it('gives back exactly what it encoded: team, values and comment', () => {
    const content = {
      teamId: TEAM,
      answers: [
        { questionId: 'mood', value: '4' },
        { questionId: 'enps', value: '10' },
        { questionId: 'tool', value: 'C' },
        { questionId: 'comment', comment: 'clé 🔑 "quoted" \n new line' },
      ],
    };
    expect(decodeBallot(QUESTIONS, encodeBallot(QUESTIONS, content))).toEqual(content);
  });

  it('keeps "no team" and unanswered questions as such', () => {
    const content = { teamId: null, answers: [{ questionId: 'mood', value: '1' }] };
    expect(decodeBallot(QUESTIONS, encodeBallot(QUESTIONS, content))).toEqual(content);
  });

  it('pads every ballot of a round to one size, whatever the comment’s length', () => {
    const sizes = new Set(
      ['', 'a', 'x'.repeat(999), '😀'.repeat(1000)].map(
        (comment) =>
          encodeBallot(QUESTIONS, {
            teamId: null,
            answers: comment ? [{ questionId: 'comment', comment }] : [],
          }).length,
      ),
    );
    expect([...sizes]).toEqual([ballotSize(QUESTIONS)]);
    expect(ballotSize(QUESTIONS)).toBe(18 + 3 + 2 + COMMENT_MAX_BYTES);
  });

  it('refuses what it could not have written', () => {
    const good = encodeBallot(QUESTIONS, { teamId: null, answers: [] });
    expect(() => decodeBallot(QUESTIONS, good.subarray(1))).toThrow();
    const badValue = Buffer.from(good);
    badValue[18] = 9; // scale5 has 5 values
    expect(() => decodeBallot(QUESTIONS, badValue)).toThrow();
    expect(() =>
      encodeBallot(QUESTIONS, { teamId: null, answers: [{ questionId: 'mood', value: '6' }] }),
    ).toThrow();
    expect(() =>
      encodeBallot(QUESTIONS, { teamId: null, answers: [{ questionId: 'nope', value: '1' }] }),
    ).toThrow();
    expect(() =>
      encodeBallot(QUESTIONS, {
        teamId: null,
        answers: [{ questionId: 'comment', comment: '😀'.repeat(1001) }],
      }),
    ).toThrow();
  });
});
