/**
 * Response content: what was answered, with the round and a team snapshot only. No column here
 * identifies a person, and no read here touches participation; the one write that does
 * (`claimAndRecord`: whether someone answered, and what, in one atomic statement) returns
 * neither ids nor content. Aggregates (tallies and group sizes) are computed once when a round
 * closes; results read only those and comments.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Coalescer } from '../common/coalescer';
import { sqlState } from '../database/sql-state';
import { TEXT_ANSWERED_KEY } from './results/pulse-statistics';

export interface AnswerInput {
  questionId: string;
  /** scale5/enps: the score; choice: the option text. */
  value?: string;
  /** text questions. */
  comment?: string;
}

export type ResponseClaim = 'claimed' | 'already_answered' | 'not_invited' | 'closed';

interface AnswerToRecord {
  workspaceId: string;
  slackUserId: string;
  roundId: string;
  answers: AnswerInput[];
}

/** Answers written by one statement at most (a round's wave of answers shares a few). */
const ANSWER_BATCH = 100;

/**
 * A failure that one answer of a batch can cause (SQLSTATE classes 22 data exception and 23
 * integrity constraint): the batch is then written answer by answer.
 */
function isDataError(err: unknown): boolean {
  return /^2[23]/.test(sqlState(err) ?? '');
}

export interface TallyRow {
  roundId: string;
  teamId: string | null;
  questionId: string;
  value: string;
  n: number;
}

export interface GroupSizeRow {
  roundId: string;
  teamId: string | null;
  respondents: number;
}

@Injectable()
export class ResponsesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The whole write of an answer, as one statement (atomic without BEGIN/COMMIT): the person
   * found by Slack user id; a share lock on the round while it is open — so a close waits for
   * answers in flight, and an answer arriving after a close sees it and lands nowhere; the
   * person's participation flag flipped once; then the response and its answers, under a fresh
   * random id, with the person's team as a snapshot. Answers arriving together share one
   * statement (Coalescer: one round trip and one commit for many people answering a round),
   * each with its own outcome; a batch that fails on one answer's data is written answer by
   * answer. Within a batch, rows go in the order of their random ids, not of arrival; the flags
   * and contents of a batch share its transaction id until close rewrites them (`reshuffle`).
   * It returns who answered (for the DM update) and what happened, never an id of what was
   * written.
   */
  claimAndRecord(
    workspaceId: string,
    slackUserId: string,
    roundId: string,
    answers: AnswerInput[],
  ): Promise<{ claim: ResponseClaim; personId: string | null }> {
    return this.answerBatches.submit({ workspaceId, slackUserId, roundId, answers });
  }

  private readonly answerBatches = new Coalescer<
    AnswerToRecord,
    { claim: ResponseClaim; personId: string | null }
  >((batch) => this.recordBatch(batch), {
    maxBatch: ANSWER_BATCH,
    // A batch waiting on a round being closed (its share lock) does not hold up the others.
    maxInFlight: 4,
    isolate: isDataError,
  });

  private async recordBatch(
    batch: AnswerToRecord[],
  ): Promise<{ claim: ResponseClaim; personId: string | null }[]> {
    const contents = batch.flatMap((item, i) => item.answers.map((a) => ({ idx: i + 1, ...a })));
    const rows: {
      idx: string;
      person_id: string | null;
      open: boolean;
      claimed: boolean;
      invited: boolean;
    }[] = await this.dataSource.query(
      `WITH input AS MATERIALIZED (
         SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::uuid[])
           WITH ORDINALITY AS t(workspace_id, slack_user_id, round_id, idx)
       ), person AS MATERIALIZED (
         SELECT input.idx, p.id, p.team_id FROM input
           JOIN people p ON p.workspace_id = input.workspace_id AND p.slack_user_id = input.slack_user_id
       ), open_round AS MATERIALIZED (
         SELECT id, workspace_id FROM rounds
          WHERE id = ANY($3::uuid[]) AND status = 'open' FOR SHARE
       ), claim AS (
         UPDATE round_invitations i SET responded = true
           FROM input
           JOIN person ON person.idx = input.idx
           JOIN open_round r ON r.id = input.round_id AND r.workspace_id = input.workspace_id
          WHERE i.round_id = input.round_id AND i.person_id = person.id AND NOT i.responded
         RETURNING input.idx, i.round_id, person.team_id
       ), claimed AS MATERIALIZED (
         SELECT idx, round_id, team_id, gen_random_uuid() AS response_id FROM claim
       ), response AS (
         INSERT INTO responses (id, round_id, team_id)
         SELECT response_id, round_id, team_id FROM claimed ORDER BY response_id
       ), content AS (
         INSERT INTO answers (response_id, round_id, team_id, question_id, value, comment)
         SELECT c.response_id, c.round_id, c.team_id, a.q, a.v, a.c
           FROM claimed c
           JOIN unnest($4::int[], $5::varchar[], $6::varchar[], $7::text[]) AS a(idx, q, v, c)
             ON a.idx = c.idx
          ORDER BY c.response_id
       )
       SELECT input.idx, person.id AS person_id,
              EXISTS (SELECT 1 FROM open_round r
                       WHERE r.id = input.round_id AND r.workspace_id = input.workspace_id) AS open,
              EXISTS (SELECT 1 FROM claimed WHERE claimed.idx = input.idx) AS claimed,
              EXISTS (SELECT 1 FROM round_invitations i
                       WHERE i.round_id = input.round_id AND i.person_id = person.id) AS invited
         FROM input LEFT JOIN person ON person.idx = input.idx`,
      [
        batch.map((b) => b.workspaceId),
        batch.map((b) => b.slackUserId),
        batch.map((b) => b.roundId),
        contents.map((a) => a.idx),
        contents.map((a) => a.questionId),
        contents.map((a) => a.value ?? null),
        contents.map((a) => a.comment ?? null),
      ],
    );
    const byIdx = new Map(rows.map((row) => [Number(row.idx), row]));
    return batch.map((_, i) => {
      const row = byIdx.get(i + 1)!;
      const claim: ResponseClaim =
        !row.person_id || !row.invited
          ? 'not_invited'
          : !row.open
            ? 'closed'
            : row.claimed
              ? 'claimed'
              : 'already_answered';
      return { claim, personId: row.person_id };
    });
  }

  /** Computes the round's aggregates once, at close. */
  async tally(manager: EntityManager, roundId: string): Promise<void> {
    await manager.query(
      `INSERT INTO round_group_sizes (round_id, team_id, respondents)
       SELECT round_id, team_id, count(*) FROM responses WHERE round_id = $1 GROUP BY round_id, team_id`,
      [roundId],
    );
    await manager.query(
      `INSERT INTO round_tallies (round_id, team_id, question_id, value, n)
       SELECT round_id, team_id, question_id, COALESCE(value, $2), count(*)
         FROM answers WHERE round_id = $1
        GROUP BY round_id, team_id, question_id, COALESCE(value, $2)`,
      [roundId, TEXT_ANSWERED_KEY],
    );
  }

  /**
   * At close, rewrites the round's responses and answers under fresh random ids, in random
   * physical order, in the closing transaction. Afterwards neither their transaction ids (xmin)
   * nor their storage order (ctid) replay who answered when; the answered-DM jobs, which name
   * the person and carry a time, are deleted too.
   */
  async reshuffle(manager: EntityManager, roundId: string): Promise<void> {
    await manager.query(
      `CREATE TEMP TABLE reshuffled_responses ON COMMIT DROP AS
         SELECT id AS old_id, gen_random_uuid() AS new_id, team_id FROM responses WHERE round_id = $1`,
      [roundId],
    );
    await manager.query(
      `CREATE TEMP TABLE reshuffled_answers ON COMMIT DROP AS
         SELECT r.new_id, a.team_id, a.question_id, a.value, a.comment
           FROM answers a JOIN reshuffled_responses r ON r.old_id = a.response_id
          WHERE a.round_id = $1`,
      // The round's answers by index, not every answer ever written joined to a temp table
      // the planner knows nothing about.
      [roundId],
    );
    await manager.query(`DELETE FROM responses WHERE round_id = $1`, [roundId]);
    await manager.query(
      `INSERT INTO responses (id, round_id, team_id)
       SELECT new_id, $1, team_id FROM reshuffled_responses ORDER BY random()`,
      [roundId],
    );
    await manager.query(
      `INSERT INTO answers (response_id, round_id, team_id, question_id, value, comment)
       SELECT new_id, $1, team_id, question_id, value, comment FROM reshuffled_answers ORDER BY random()`,
      [roundId],
    );
    await manager.query(`DROP TABLE reshuffled_answers`);
    await manager.query(`DROP TABLE reshuffled_responses`);
  }

  async tallies(roundIds: string[]): Promise<TallyRow[]> {
    if (roundIds.length === 0) return [];
    const rows: {
      round_id: string;
      team_id: string | null;
      question_id: string;
      value: string;
      n: number;
    }[] = await this.dataSource.query(
      `SELECT round_id, team_id, question_id, value, n FROM round_tallies WHERE round_id = ANY($1::uuid[])`,
      [roundIds],
    );
    return rows.map((r) => ({
      roundId: r.round_id,
      teamId: r.team_id,
      questionId: r.question_id,
      value: r.value,
      n: r.n,
    }));
  }

  async groupSizes(roundIds: string[]): Promise<GroupSizeRow[]> {
    if (roundIds.length === 0) return [];
    const rows: { round_id: string; team_id: string | null; respondents: number }[] =
      await this.dataSource.query(
        `SELECT round_id, team_id, respondents FROM round_group_sizes WHERE round_id = ANY($1::uuid[])`,
        [roundIds],
      );
    return rows.map((r) => ({
      roundId: r.round_id,
      teamId: r.team_id,
      respondents: r.respondents,
    }));
  }

  /** Comments of rounds with their team snapshot; no ids, no order worth keeping. */
  async comments(
    roundIds: string[],
  ): Promise<{ roundId: string; teamId: string | null; questionId: string; text: string }[]> {
    if (roundIds.length === 0) return [];
    const rows: {
      round_id: string;
      team_id: string | null;
      question_id: string;
      comment: string;
    }[] = await this.dataSource.query(
      `SELECT round_id, team_id, question_id, comment FROM answers
          WHERE round_id = ANY($1::uuid[]) AND comment IS NOT NULL`,
      [roundIds],
    );
    return rows.map((r) => ({
      roundId: r.round_id,
      teamId: r.team_id,
      questionId: r.question_id,
      text: r.comment,
    }));
  }
}
