/**
 * A response as the bytes a ballot seals: the team snapshot and every answer, in a compact
 * layout fixed by the round's questions, padded with zeros to one size for the whole round. Every
 * ballot of a round is therefore exactly as long as every other: its length gives away neither
 * how long a comment was nor whether one was written.
 *
 * Layout (version 1):
 *   1 byte   version
 *   1 byte   1 when a team follows, else 0
 *   16 bytes the team's UUID (zeros when none)
 *   per question, in the round's order:
 *     scale5, enps, choice: 1 byte, 0 when unanswered, else 1 + the value's index
 *     text: 2 bytes big-endian length n, then n bytes of UTF-8 (n = 0 when no comment)
 *   zeros up to ballotSize(questions)
 */
import { possibleValues } from '../result-building/pulse-statistics';
import type { QuestionDef } from '../pulse.types';

const VERSION = 1;
const HEADER = 1 + 1 + 16;
/** A comment is at most COMMENT_MAX_CHARS characters (code points): 4 UTF-8 bytes each at most. */
export const COMMENT_MAX_CHARS = 1000;
export const COMMENT_MAX_BYTES = COMMENT_MAX_CHARS * 4;

export interface BallotContent {
  teamId: string | null;
  answers: { questionId: string; value?: string; comment?: string }[];
}

/** The padded size of every ballot of a round with these questions. */
export function ballotSize(questions: QuestionDef[]): number {
  return questions.reduce(
    (size, q) => size + (q.kind === 'text' ? 2 + COMMENT_MAX_BYTES : 1),
    HEADER,
  );
}

const UUID_HEX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidToBytes(id: string): Buffer {
  if (!UUID_HEX.test(id)) throw new Error('team id is not a UUID');
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function encodeBallot(questions: QuestionDef[], content: BallotContent): Buffer {
  const out = Buffer.alloc(ballotSize(questions));
  out[0] = VERSION;
  if (content.teamId) {
    out[1] = 1;
    uuidToBytes(content.teamId).copy(out, 2);
  }
  const byQuestion = new Map(content.answers.map((a) => [a.questionId, a]));
  if (byQuestion.size !== content.answers.length) throw new Error('a question is answered twice');
  let at = HEADER;
  for (const question of questions) {
    const answer = byQuestion.get(question.id);
    byQuestion.delete(question.id);
    if (question.kind === 'text') {
      const bytes = Buffer.from(answer?.comment ?? '', 'utf8');
      if (bytes.length > COMMENT_MAX_BYTES) throw new Error('comment too long to seal');
      out.writeUInt16BE(bytes.length, at);
      bytes.copy(out, at + 2);
      at += 2 + COMMENT_MAX_BYTES;
      continue;
    }
    if (answer?.value !== undefined) {
      const index = possibleValues(question).indexOf(answer.value);
      if (index < 0 || index > 254) throw new Error(`not an answer to question ${question.id}`);
      out[at] = index + 1;
    }
    at += 1;
  }
  if (byQuestion.size > 0) throw new Error('an answer to a question the round does not ask');
  return out;
}

/** The inverse of encodeBallot; throws on bytes it could not have written. */
export function decodeBallot(questions: QuestionDef[], bytes: Buffer): BallotContent {
  if (bytes.length !== ballotSize(questions) || bytes[0] !== VERSION || bytes[1] > 1) {
    throw new Error('not a ballot of this round');
  }
  const teamId = bytes[1] === 1 ? bytesToUuid(bytes.subarray(2, HEADER)) : null;
  const answers: BallotContent['answers'] = [];
  let at = HEADER;
  for (const question of questions) {
    if (question.kind === 'text') {
      const length = bytes.readUInt16BE(at);
      if (length > COMMENT_MAX_BYTES) throw new Error('not a ballot of this round');
      if (length > 0) {
        answers.push({
          questionId: question.id,
          comment: bytes.subarray(at + 2, at + 2 + length).toString('utf8'),
        });
      }
      at += 2 + COMMENT_MAX_BYTES;
      continue;
    }
    const index = bytes[at];
    if (index > 0) {
      const value = possibleValues(question)[index - 1];
      if (value === undefined) throw new Error('not a ballot of this round');
      answers.push({ questionId: question.id, value });
    }
    at += 1;
  }
  return { teamId, answers };
}
