/**
 * Response content. While a round is open, content exists only as sealed ballots (`ballots`:
 * random id, round, ciphertext), written in the same transaction as the participation claim but
 * by a statement of its own, so no statement ever carries a Slack id beside a ballot, and none
 * carries a plaintext answer. At close the ballots are opened (RoundClosingService), and what this
 * repository writes then — `responses`, `answers` with fresh random ids in random order, the
 * tallies and group sizes — carries only the round and a publishable team. No read here touches
 * participation, and nothing returned names what was written by whom.
 */
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Coalescer } from '../common/coalescer';
import { sqlState } from '../database/sql-state';
import { TEXT_ANSWERED_KEY } from './result-building/pulse-statistics';
import type { BallotContent } from './sealing/ballot-codec';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

export interface AnswerInput {
  questionId: string;
  /** scale5/enps: the score; choice: the option text. */
  value?: string;
  /** text questions. */
  comment?: string;
}

export type ResponseClaim = 'claimed' | 'already_answered' | 'not_invited' | 'closed';

export interface BallotToCast {
  workspaceId: string;
  slackUserId: string;
  roundId: string;
  /**
   * Seals the response with the claimant's team snapshot, for the ballot row `ballotId`. Called
   * inside the write's transaction, once the claim is known to hold.
   */
  seal(teamId: string | null, ballotId: string): Buffer;
}

/** Ballots written by one statement at most (a round's wave of answers shares a few). */
const ANSWER_BATCH = 100;
/** Rows per statement when a closing round's responses are written. */
const OPENED_CHUNK = 5000;

/**
 * A failure that one answer of a batch can cause (SQLSTATE classes 22 data exception and 23
 * integrity constraint): the batch is then written answer by answer.
 */
function isDataError(err: unknown): boolean {
  return err instanceof BallotNotSealed || /^2[23]/.test(sqlState(err) ?? '');
}

/** One answer of a batch could not be sealed (its content does not fit the round). */
class BallotNotSealed extends Error {
  constructor(cause: unknown) {
    super(`the ballot could not be sealed: ${(cause as Error).message}`);
    this.name = 'BallotNotSealed';
  }
}

function sealOne(ballot: BallotToCast, teamId: string | null, ballotId: string): Buffer {
  try {
    return ballot.seal(teamId, ballotId);
  } catch (err) {
    throw new BallotNotSealed(err);
  }
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
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /** The ambient transaction's manager, or the DataSource's outside one. */
  private get db(): EntityManager {
    return this.txHost.tx;
  }

  /**
   * The whole write of an answer, in one transaction of two statements. The claim: the person
   * found by Slack user id; a share lock on the round while it is open — so a close waits for
   * answers in flight, and an answer arriving after a close sees it and lands nowhere; the
   * person's participation flag flipped once. Then the ballot: sealed by the caller with the
   * team the claim returned, written under a fresh random id by a statement that holds only
   * ballot ids, round ids and ciphertexts. Answers arriving together share both statements
   * (Coalescer: a few round trips and one commit for many people answering a round), each with
   * its own outcome; a batch that fails on one answer's data is written answer by answer.
   * Ballots go in the order of their random ids, not of arrival. It returns who answered (for
   * the DM update) and what happened, never an id of what was written.
   */
  claimAndCast(ballot: BallotToCast): Promise<{ claim: ResponseClaim; personId: string | null }> {
    return this.answerBatches.submit(ballot);
  }

  private readonly answerBatches = new Coalescer<
    BallotToCast,
    { claim: ResponseClaim; personId: string | null }
  >((batch) => this.recordBatch(batch), {
    maxBatch: ANSWER_BATCH,
    // A batch waiting on a round being closed (its share lock) does not hold up the others.
    maxInFlight: 4,
    isolate: isDataError,
  });

  private recordBatch(
    batch: BallotToCast[],
  ): Promise<{ claim: ResponseClaim; personId: string | null }[]> {
    return this.txHost.withTransaction(async () => {
      const rows: {
        idx: string;
        person_id: string | null;
        team_id: string | null;
        open: boolean;
        claimed: boolean;
        invited: boolean;
      }[] = await this.db.query(
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
           RETURNING input.idx
         )
         SELECT input.idx, person.id AS person_id, person.team_id,
                EXISTS (SELECT 1 FROM open_round r
                         WHERE r.id = input.round_id AND r.workspace_id = input.workspace_id) AS open,
                EXISTS (SELECT 1 FROM claim WHERE claim.idx = input.idx) AS claimed,
                EXISTS (SELECT 1 FROM round_invitations i
                         WHERE i.round_id = input.round_id AND i.person_id = person.id) AS invited
           FROM input LEFT JOIN person ON person.idx = input.idx`,
        [
          batch.map((b) => b.workspaceId),
          batch.map((b) => b.slackUserId),
          batch.map((b) => b.roundId),
        ],
      );
      const byIdx = new Map(rows.map((row) => [Number(row.idx), row]));
      const ballots = batch
        .map((item, i) => ({ item, row: byIdx.get(i + 1)! }))
        .filter(({ row }) => row.claimed)
        .map(({ item, row }) => {
          const id = randomUUID();
          return { id, roundId: item.roundId, sealed: sealOne(item, row.team_id, id) };
        })
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      if (ballots.length > 0) {
        await this.db.query(
          `INSERT INTO ballots (id, round_id, sealed)
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bytea[])`,
          [ballots.map((b) => b.id), ballots.map((b) => b.roundId), ballots.map((b) => b.sealed)],
        );
      }
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
    });
  }

  /** A closing round's sealed ballots (in the closing transaction). */
  async ballotsOf(roundId: string): Promise<{ id: string; sealed: Buffer }[]> {
    return this.db.query(`SELECT id, sealed FROM ballots WHERE round_id = $1`, [roundId]);
  }

  async deleteBallots(roundId: string): Promise<void> {
    await this.db.query(`DELETE FROM ballots WHERE round_id = $1`, [roundId]);
  }

  /**
   * Responses written in plaintext by the release before sealed ballots, for a round still open
   * when it was upgraded: read and deleted, so the close writes them again like opened ballots.
   */
  async takeUnsealed(roundId: string): Promise<BallotContent[]> {
    const rows: {
      response_id: string;
      team_id: string | null;
      question_id: string | null;
      value: string | null;
      comment: string | null;
    }[] = await this.db.query(
      `SELECT r.id AS response_id, r.team_id, a.question_id, a.value, a.comment
         FROM responses r LEFT JOIN answers a ON a.response_id = r.id
        WHERE r.round_id = $1`,
      [roundId],
    );
    if (rows.length === 0) return [];
    const byResponse = new Map<string, BallotContent>();
    for (const row of rows) {
      let response = byResponse.get(row.response_id);
      if (!response) {
        response = { teamId: row.team_id, answers: [] };
        byResponse.set(row.response_id, response);
      }
      if (row.question_id) {
        response.answers.push({
          questionId: row.question_id,
          ...(row.value !== null ? { value: row.value } : {}),
          ...(row.comment !== null ? { comment: row.comment } : {}),
        });
      }
    }
    await this.db.query(`DELETE FROM responses WHERE round_id = $1`, [roundId]);
    return [...byResponse.values()];
  }

  /**
   * A closing round's opened responses, in the order given (the caller shuffles), each under a
   * fresh random id with its publishable team; then the round's aggregates, computed once.
   */
  async writeOpened(
    roundId: string,
    responses: BallotContent[],
    mergedTeams: (string | null)[],
  ): Promise<void> {
    if (mergedTeams.length > 0) {
      await this.db.query(
        `INSERT INTO round_merged_teams (round_id, team_id) SELECT $1, unnest($2::uuid[])`,
        [roundId, mergedTeams],
      );
    }
    for (let i = 0; i < responses.length; i += OPENED_CHUNK) {
      const part = responses.slice(i, i + OPENED_CHUNK).map((r) => ({ id: randomUUID(), ...r }));
      await this.db.query(
        `INSERT INTO responses (id, round_id, team_id)
         SELECT id, $1, team_id FROM unnest($2::uuid[], $3::uuid[]) AS t(id, team_id)`,
        [roundId, part.map((r) => r.id), part.map((r) => r.teamId)],
      );
      const answers = part.flatMap((r) =>
        r.answers.map((a) => ({ ...a, responseId: r.id, teamId: r.teamId })),
      );
      if (answers.length === 0) continue;
      await this.db.query(
        `INSERT INTO answers (response_id, round_id, team_id, question_id, value, comment)
         SELECT response_id, $1, team_id, question_id, value, comment
           FROM unnest($2::uuid[], $3::uuid[], $4::varchar[], $5::varchar[], $6::text[])
             AS t(response_id, team_id, question_id, value, comment)`,
        [
          roundId,
          answers.map((a) => a.responseId),
          answers.map((a) => a.teamId),
          answers.map((a) => a.questionId),
          answers.map((a) => a.value ?? null),
          answers.map((a) => a.comment ?? null),
        ],
      );
    }
    await this.tally(roundId);
  }

  /**
   * A round closed by an earlier release, stored again with its unpublishable teams merged: its
   * responses and answers move to MERGED_TEAM_ID, its aggregates are computed again. (The rows
   * they replace stay as dead tuples until VACUUM: docs/anonymity.md.)
   */
  async mergeStored(
    roundId: string,
    merged: (string | null)[],
    mergedTeamId: string,
  ): Promise<void> {
    const teams = merged.filter((t): t is string => t !== null);
    const noTeam = merged.includes(null);
    for (const table of ['responses', 'answers']) {
      await this.db.query(
        `UPDATE ${table} SET team_id = $4
          WHERE round_id = $1 AND (team_id = ANY($2::uuid[]) OR ($3 AND team_id IS NULL))`,
        [roundId, teams, noTeam, mergedTeamId],
      );
    }
    await this.db.query(
      `INSERT INTO round_merged_teams (round_id, team_id) SELECT $1, unnest($2::uuid[])`,
      [roundId, merged],
    );
    await this.db.query(`DELETE FROM round_tallies WHERE round_id = $1`, [roundId]);
    await this.db.query(`DELETE FROM round_group_sizes WHERE round_id = $1`, [roundId]);
    await this.tally(roundId);
  }

  /** Computes the round's aggregates once, at close. */
  private async tally(roundId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO round_group_sizes (round_id, team_id, respondents)
       SELECT round_id, team_id, count(*) FROM responses WHERE round_id = $1 GROUP BY round_id, team_id`,
      [roundId],
    );
    await this.db.query(
      `INSERT INTO round_tallies (round_id, team_id, question_id, value, n)
       SELECT round_id, team_id, question_id, COALESCE(value, $2), count(*)
         FROM answers WHERE round_id = $1
        GROUP BY round_id, team_id, question_id, COALESCE(value, $2)`,
      [roundId, TEXT_ANSWERED_KEY],
    );
  }

  async tallies(roundIds: string[]): Promise<TallyRow[]> {
    if (roundIds.length === 0) return [];
    const rows: {
      round_id: string;
      team_id: string | null;
      question_id: string;
      value: string;
      n: number;
    }[] = await this.db.query(
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

  /** Teams each round stored merged at close (null: "no team"). */
  async mergedTeams(roundIds: string[]): Promise<{ roundId: string; teamId: string | null }[]> {
    if (roundIds.length === 0) return [];
    const rows: { round_id: string; team_id: string | null }[] = await this.db.query(
      `SELECT round_id, team_id FROM round_merged_teams WHERE round_id = ANY($1::uuid[])`,
      [roundIds],
    );
    return rows.map((r) => ({ roundId: r.round_id, teamId: r.team_id }));
  }

  /** One round's group sizes, read in a transaction (`m`). */
  async groupSizesIn(roundId: string): Promise<{ teamId: string | null; respondents: number }[]> {
    const rows: { team_id: string | null; respondents: number }[] = await this.db.query(
      `SELECT team_id, respondents FROM round_group_sizes WHERE round_id = $1`,
      [roundId],
    );
    return rows.map((r) => ({ teamId: r.team_id, respondents: r.respondents }));
  }

  async groupSizes(roundIds: string[]): Promise<GroupSizeRow[]> {
    if (roundIds.length === 0) return [];
    const rows: { round_id: string; team_id: string | null; respondents: number }[] =
      await this.db.query(
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
    }[] = await this.db.query(
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
