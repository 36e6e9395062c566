/** Slack identifiers of the pulse feature: commands, action ids, block ids, callback ids. */
export const PULSE_COMMAND = '/pulse' as const;

export const PULSE_ACTIONS = {
  /** Prefix of the one-tap score buttons: `pulse_score_1` … `pulse_score_5`. */
  score: 'pulse_score',
  /** The "Answer" button that opens the pulse modal; its value is the round id. */
  openModal: 'pulse_open_modal',
} as const;

export const PULSE_BLOCKS = {
  /** The actions block holding the one-tap score buttons of a DM. */
  scores: 'pulse_scores',
} as const;

export const PULSE_VIEWS = {
  answer: 'pulse_answer',
} as const;

/** The action id of every question's input element inside the answer modal. */
export const PULSE_ANSWER_ACTION = 'answer' as const;

/**
 * Slack wants action ids unique within a block, so each one-tap button carries its score in its
 * action id; the button's value is only the round id. Register one listener with this pattern.
 */
export const SCORE_ACTION_PATTERN = /^pulse_score_(\d+)$/;

export function scoreActionId(score: number): string {
  if (!Number.isInteger(score) || score < 0) {
    throw new RangeError(`A score action id needs a whole score, got ${score}`);
  }
  return `${PULSE_ACTIONS.score}_${score}`;
}

/** The score of a one-tap button's action id, or null when the id is not one of ours. */
export function scoreFromActionId(actionId: string): number | null {
  const match = SCORE_ACTION_PATTERN.exec(actionId);
  return match ? Number(match[1]) : null;
}

const QUESTION_BLOCK_PREFIX = 'q:';

/** The block id of a question's input block in the answer modal: `q:<question id>`. */
export function questionBlockId(questionId: string): string {
  return `${QUESTION_BLOCK_PREFIX}${questionId}`;
}

/** The question id of a modal input block, or null for any other block. */
export function questionIdFromBlock(blockId: string): string | null {
  return blockId.startsWith(QUESTION_BLOCK_PREFIX) && blockId.length > QUESTION_BLOCK_PREFIX.length
    ? blockId.slice(QUESTION_BLOCK_PREFIX.length)
    : null;
}
