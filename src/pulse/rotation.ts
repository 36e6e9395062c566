/**
 * Question rotation for recurring surveys: each round asks the next few questions of the bank,
 * so nobody sees a repeat before every question has been asked.
 */
import type { QuestionDef } from './pulse.types';

export interface RoundQuestions {
  questions: QuestionDef[];
  nextCursor: number;
}

/**
 * Picks the questions of one round from a survey's bank.
 *
 * - Rotating questions (scale5, enps, choice) are taken in bank order, starting at bank index
 *   `cursor` (taken modulo the bank length) and wrapping around to the start.
 * - `perRound` is clamped to [1, number of rotating questions], so a round never holds the same
 *   question twice.
 * - Text questions are **not** part of the rotation: they are the comments box, appended (in bank
 *   order) after the rotating questions of every round, and never counted in `perRound`.
 * - `nextCursor` is the bank index just after the last rotating question taken; store it on the
 *   survey and pass it to the next round. It indexes the whole bank, text questions included.
 */
export function pickRoundQuestions(
  bank: readonly QuestionDef[],
  perRound: number,
  cursor: number,
): RoundQuestions {
  const comments = bank.filter((question) => question.kind === 'text');
  const rotatingCount = bank.length - comments.length;
  const start = normaliseIndex(cursor, bank.length);
  if (rotatingCount === 0) return { questions: [...comments], nextCursor: start };

  const wanted = Math.min(
    Math.max(Number.isFinite(perRound) ? Math.floor(perRound) : 1, 1),
    rotatingCount,
  );
  const picked: QuestionDef[] = [];
  let index = start;
  while (picked.length < wanted) {
    const question = bank[index];
    if (question.kind !== 'text') picked.push(question);
    index = (index + 1) % bank.length;
  }
  return { questions: [...picked, ...comments], nextCursor: index };
}

function normaliseIndex(cursor: number, length: number): number {
  if (length === 0 || !Number.isFinite(cursor)) return 0;
  const whole = Math.trunc(cursor);
  return ((whole % length) + length) % length;
}
