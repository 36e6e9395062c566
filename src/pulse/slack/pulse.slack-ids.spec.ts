import {
  PULSE_ACTIONS,
  PULSE_BLOCKS,
  PULSE_COMMAND,
  PULSE_VIEWS,
  questionBlockId,
  questionIdFromBlock,
  SCORE_ACTION_PATTERN,
  scoreActionId,
  scoreFromActionId,
} from './pulse.slack-ids';

describe('pulse Slack ids', () => {
  it('keeps the command and the agreed ids', () => {
    expect(PULSE_COMMAND).toBe('/pulse');
    expect(PULSE_ACTIONS).toEqual({ score: 'pulse_score', openModal: 'pulse_open_modal' });
    expect(PULSE_BLOCKS.scores).toBe('pulse_scores');
    expect(PULSE_VIEWS).toEqual({ answer: 'pulse_answer' });
  });

  it('gives each score button its own action id, matched by the pattern', () => {
    const ids = [1, 2, 3, 4, 5].map(scoreActionId);
    expect(ids).toEqual([
      'pulse_score_1',
      'pulse_score_2',
      'pulse_score_3',
      'pulse_score_4',
      'pulse_score_5',
    ]);
    for (const [index, id] of ids.entries()) {
      expect(SCORE_ACTION_PATTERN.test(id)).toBe(true);
      expect(scoreFromActionId(id)).toBe(index + 1);
    }
  });

  it('does not match other action ids', () => {
    for (const id of [
      'pulse_open_modal',
      'pulse_score',
      'pulse_score_',
      'pulse_score_x',
      'xpulse_score_1',
    ]) {
      expect(SCORE_ACTION_PATTERN.test(id)).toBe(false);
      expect(scoreFromActionId(id)).toBeNull();
    }
  });

  it('refuses a score that is not a whole number', () => {
    expect(() => scoreActionId(1.5)).toThrow(RangeError);
    expect(() => scoreActionId(-1)).toThrow(RangeError);
  });

  it('round-trips question ids through block ids, colons included', () => {
    for (const id of ['mood', 'after-contact-time', 'a:b']) {
      expect(questionBlockId(id)).toBe(`q:${id}`);
      expect(questionIdFromBlock(questionBlockId(id))).toBe(id);
    }
  });

  it('returns null for blocks that are not questions', () => {
    expect(questionIdFromBlock('pulse_scores')).toBeNull();
    expect(questionIdFromBlock('q:')).toBeNull();
    expect(questionIdFromBlock('Q:mood')).toBeNull();
  });
});
