/**
 * Rounds and participation (round_invitations). Participation says who was invited and
 * *whether* they answered; it is never joined to response content (responses.repository.ts).
 */
import { Injectable } from '@nestjs/common';
import { EntityManager, In, Repository } from 'typeorm';
import { SealedColumn, sealedColumnIn } from '../common/reseal';
import { updateReturning } from '../database/returning';
import { RoundEntity } from './entities/round.entity';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

export interface Invitation {
  roundId: string;
  personId: string;
  deliverAfter: Date;
  deliveredAt: Date | null;
  dmChannel: string | null;
  dmTs: string | null;
  responded: boolean;
  remindedAt: Date | null;
}

/** A person's invitation to a round, with what the answer path needs around it. */
export interface InvitationLookup {
  round: RoundEntity;
  personId: string;
  /** The person's team now: the snapshot an answer is stored with. */
  teamId: string | null;
  responded: boolean;
  surveyTitle: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
interface InvitationRow {
  round_id: string;
  person_id: string;
  deliver_after: Date;
  delivered_at: Date | null;
  dm_channel: string | null;
  dm_ts: string | null;
  responded: boolean;
  reminded_at: Date | null;
}

const toInvitation = (r: InvitationRow): Invitation => ({
  roundId: r.round_id,
  personId: r.person_id,
  deliverAfter: r.deliver_after,
  deliveredAt: r.delivered_at,
  dmChannel: r.dm_channel,
  dmTs: r.dm_ts,
  responded: r.responded,
  remindedAt: r.reminded_at,
});

interface RoundRow {
  id: string;
  survey_id: string;
  workspace_id: string;
  status: RoundEntity['status'];
  questions: RoundEntity['questions'];
  k: number;
  occurrence: string | null;
  opened_at: Date;
  closes_at: Date;
  closed_at: Date | null;
  invited: number | null;
  responded: number | null;
  reminder_sent_at: Date | null;
  invalid_ballots: number;
}

const toRound = (r: RoundRow): RoundEntity =>
  Object.assign(new RoundEntity(), {
    id: r.id,
    surveyId: r.survey_id,
    workspaceId: r.workspace_id,
    status: r.status,
    questions: r.questions,
    k: r.k,
    occurrence: r.occurrence,
    openedAt: r.opened_at,
    closesAt: r.closes_at,
    closedAt: r.closed_at,
    invited: r.invited,
    responded: r.responded,
    reminderSentAt: r.reminder_sent_at,
    invalidBallots: r.invalid_ballots,
  });

@Injectable()
export class RoundsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repo(): Repository<RoundEntity> {
    return this.txHost.tx.getRepository(RoundEntity);
  }

  /** The ambient transaction's manager, or the DataSource's outside one. */
  private get db(): EntityManager {
    return this.txHost.tx;
  }

  insert(
    values: Omit<
      RoundEntity,
      'id' | 'closedAt' | 'reminderSentAt' | 'invited' | 'responded' | 'invalidBallots'
    >,
  ): Promise<RoundEntity> {
    return this.db.save(
      this.db.create(RoundEntity, {
        ...values,
        closedAt: null,
        reminderSentAt: null,
        invited: null,
        responded: null,
        invalidBallots: 0,
      }),
    );
  }

  /** The round's data key, wrapped by the key ring (sealing/ballot-seal.ts). */
  async setBallotKey(id: string, wrapped: string): Promise<void> {
    await this.db.query(`UPDATE rounds SET ballot_key = $2 WHERE id = $1`, [id, wrapped]);
  }

  /**
   * An open round's wrapped key, storing `create()`'s when it has none (a round opened before
   * sealed ballots); null when the round is closed or does not exist. Two replicas racing keep
   * the first key written.
   */
  async ensureBallotKey(id: string, create: () => string): Promise<string | null> {
    const [row]: { ballot_key: string | null; status: string }[] = await this.repo.query(
      `SELECT ballot_key, status FROM rounds WHERE id = $1`,
      [id],
    );
    if (!row || row.status !== 'open') return null;
    if (row.ballot_key) return row.ballot_key;
    await this.repo.query(
      `UPDATE rounds SET ballot_key = $2 WHERE id = $1 AND status = 'open' AND ballot_key IS NULL`,
      [id, create()],
    );
    return this.ensureBallotKey(id, create);
  }

  /**
   * Open rounds' wrapped keys, for re-wrapping under a new ENCRYPTION_KEY; each replaced only if
   * it did not change meanwhile (closed, or re-wrapped by a replica).
   */
  readonly ballotKeys: SealedColumn = sealedColumnIn((sql, params) => this.db.query(sql, params), {
    table: 'rounds',
    column: 'ballot_key',
  });

  async recordInvalidBallots(id: string, count: number): Promise<void> {
    await this.db.query(`UPDATE rounds SET invalid_ballots = $2 WHERE id = $1`, [id, count]);
  }

  /** Locks a closed round still to be merged at rest; false when another replica did it. */
  async lockUnmerged(id: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT id FROM rounds WHERE id = $1 AND status = 'closed' AND NOT merged_at_rest FOR UPDATE`,
      [id],
    );
    return rows.length === 1;
  }

  /** The round stores only publishable teams from now on (see publishable-groups.ts). */
  async markMergedAtRest(id: string): Promise<void> {
    await this.db.query(`UPDATE rounds SET merged_at_rest = true WHERE id = $1`, [id]);
  }

  /**
   * Closed rounds written by a release before merging at rest, each with its own k and its
   * workspace's threshold (`defaultK` where the workspace has none set): the caller applies
   * effectiveK.
   */
  async closedUnmerged(
    defaultK: number,
  ): Promise<{ id: string; k: number; anonymityThreshold: number }[]> {
    return this.repo.query(
      `SELECT r.id, r.k, coalesce(w.anonymity_threshold, $1)::int AS "anonymityThreshold"
         FROM rounds r JOIN workspaces w ON w.id = r.workspace_id
        WHERE r.status = 'closed' AND NOT r.merged_at_rest`,
      [defaultK],
    );
  }

  findById(id: string): Promise<RoundEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findInWorkspace(workspaceId: string, id: string): Promise<RoundEntity | null> {
    return this.repo.findOneBy({ workspaceId, id });
  }

  /** Of these scheduled occurrences, the ones that have a round, as `surveyId|YYYY-MM-DD`. */
  async openedOccurrences(
    wanted: { surveyId: string; occurrence: string }[],
  ): Promise<Set<string>> {
    if (wanted.length === 0) return new Set();
    const rows: { survey_id: string; occurrence: string }[] = await this.repo.query(
      `SELECT r.survey_id, r.occurrence FROM rounds r
         JOIN unnest($1::uuid[], $2::varchar[]) AS w(survey_id, occurrence)
           ON w.survey_id = r.survey_id AND w.occurrence = r.occurrence`,
      [wanted.map((w) => w.surveyId), wanted.map((w) => w.occurrence)],
    );
    return new Set(rows.map((r) => `${r.survey_id}|${r.occurrence}`));
  }

  listForSurveys(surveyIds: string[]): Promise<RoundEntity[]> {
    if (surveyIds.length === 0) return Promise.resolve([]);
    return this.repo.find({ where: { surveyId: In(surveyIds) }, order: { openedAt: 'ASC' } });
  }

  /**
   * Open → closed exactly once, freezing participation and destroying the round's wrapped key;
   * returns the key as it was (for the closing transaction to open the ballots with), or null
   * when the round was already closed. Waits for answers in flight (their share lock).
   */
  async markClosed(id: string, at: Date): Promise<{ ballotKey: string | null } | null> {
    const rows = await updateReturning<{ ballot_key: string | null }>(
      this.db,
      `WITH before AS (
         SELECT id, ballot_key FROM rounds WHERE id = $1 AND status = 'open' FOR UPDATE
       )
       UPDATE rounds r SET status = 'closed', closed_at = $2, ballot_key = NULL,
              invited = (SELECT count(*) FROM round_invitations i WHERE i.round_id = r.id),
              responded = (SELECT count(*) FROM round_invitations i WHERE i.round_id = r.id AND i.responded)
         FROM before WHERE r.id = before.id RETURNING before.ballot_key`,
      [id, at],
    );
    return rows.length === 1 ? { ballotKey: rows[0].ballot_key } : null;
  }

  /** The one reminder of a round; false when it was already sent or the round is closed. */
  async claimReminder(id: string, at: Date): Promise<boolean> {
    const rows = await updateReturning(
      this.db,
      `UPDATE rounds SET reminder_sent_at = $2
        WHERE id = $1 AND status = 'open' AND reminder_sent_at IS NULL RETURNING id`,
      [id, at],
    );
    return rows.length === 1;
  }

  async invite(
    roundId: string,
    invitees: { personId: string; deliverAfter: Date }[],
  ): Promise<void> {
    const chunk = 1000;
    for (let i = 0; i < invitees.length; i += chunk) {
      const part = invitees.slice(i, i + chunk);
      await this.db.query(
        `INSERT INTO round_invitations (round_id, person_id, deliver_after)
         SELECT $1, p, d FROM unnest($2::uuid[], $3::timestamptz[]) AS t(p, d)`,
        [roundId, part.map((x) => x.personId), part.map((x) => x.deliverAfter)],
      );
    }
  }

  /**
   * Participation rows rewritten in the closing transaction: their transaction id (xmin) no
   * longer matches the ballots' dead rows that were written with them.
   */
  async restampParticipation(roundId: string): Promise<void> {
    await this.db.query(`UPDATE round_invitations SET responded = responded WHERE round_id = $1`, [
      roundId,
    ]);
  }

  /**
   * The invitation of the person with this Slack user id to a round of the workspace, with the
   * round and its survey's title, in one query: every Slack answer starts here. Null when the
   * person, the round or the invitation does not exist (or the round id is not one).
   */
  async findInvitationBySlackUser(
    workspaceId: string,
    slackUserId: string,
    roundId: string,
  ): Promise<InvitationLookup | null> {
    if (!UUID.test(roundId)) return null;
    const rows: (RoundRow & {
      person_id: string;
      person_team_id: string | null;
      invitation_responded: boolean;
      survey_title: string;
    })[] = await this.repo.query(
      `SELECT r.*, p.id AS person_id, p.team_id AS person_team_id,
              i.responded AS invitation_responded, s.title AS survey_title
         FROM people p
         JOIN round_invitations i ON i.person_id = p.id AND i.round_id = $3
         JOIN rounds r ON r.id = i.round_id AND r.workspace_id = $1
         JOIN surveys s ON s.id = r.survey_id AND s.workspace_id = $1
        WHERE p.workspace_id = $1 AND p.slack_user_id = $2`,
      [workspaceId, slackUserId, roundId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      round: toRound(row),
      personId: row.person_id,
      teamId: row.person_team_id,
      responded: row.invitation_responded,
      surveyTitle: row.survey_title,
    };
  }

  /** A round of the workspace with its survey's title, in one query; null when there is none. */
  async findWithSurveyTitle(
    workspaceId: string,
    roundId: string,
  ): Promise<{ round: RoundEntity; surveyTitle: string; ballotKey: string | null } | null> {
    if (!UUID.test(roundId)) return null;
    const rows: (RoundRow & { survey_title: string; ballot_key: string | null })[] =
      await this.repo.query(
        `SELECT r.*, s.title AS survey_title
         FROM rounds r JOIN surveys s ON s.id = r.survey_id AND s.workspace_id = $1
        WHERE r.id = $2 AND r.workspace_id = $1`,
        [workspaceId, roundId],
      );
    return rows[0]
      ? {
          round: toRound(rows[0]),
          surveyTitle: rows[0].survey_title,
          ballotKey: rows[0].ballot_key,
        }
      : null;
  }

  async findInvitation(roundId: string, personId: string): Promise<Invitation | null> {
    const rows: InvitationRow[] = await this.repo.query(
      `SELECT * FROM round_invitations WHERE round_id = $1 AND person_id = $2`,
      [roundId, personId],
    );
    return rows[0] ? toInvitation(rows[0]) : null;
  }

  async recordDelivery(
    roundId: string,
    personId: string,
    dm: { channel: string; ts: string },
    at: Date,
  ): Promise<void> {
    await this.repo.query(
      `UPDATE round_invitations SET delivered_at = $3, dm_channel = $4, dm_ts = $5
        WHERE round_id = $1 AND person_id = $2`,
      [roundId, personId, at, dm.channel, dm.ts],
    );
  }

  async recordReminder(roundId: string, personId: string, at: Date): Promise<boolean> {
    const rows = await updateReturning(
      this.repo,
      `UPDATE round_invitations SET reminded_at = $3
        WHERE round_id = $1 AND person_id = $2 AND reminded_at IS NULL AND NOT responded RETURNING person_id`,
      [roundId, personId, at],
    );
    return rows.length === 1;
  }

  /** Everyone invited who has not answered (reminder recipients). */
  async nonResponders(roundId: string): Promise<string[]> {
    const rows: { person_id: string }[] = await this.db.query(
      `SELECT person_id FROM round_invitations WHERE round_id = $1 AND NOT responded`,
      [roundId],
    );
    return rows.map((r) => r.person_id);
  }

  async participation(
    roundIds: string[],
  ): Promise<Map<string, { invited: number; responded: number }>> {
    if (roundIds.length === 0) return new Map();
    const rows: { round_id: string; invited: number; responded: number }[] = await this.repo.query(
      // Frozen at close for closed rounds (no scan of their invitations); live for open ones.
      `SELECT id AS round_id, invited, responded FROM rounds
        WHERE id = ANY($1::uuid[]) AND invited IS NOT NULL
       UNION ALL
       SELECT i.round_id, count(*)::int, (count(*) FILTER (WHERE i.responded))::int
         FROM round_invitations i JOIN rounds r ON r.id = i.round_id
        WHERE i.round_id = ANY($1::uuid[]) AND r.invited IS NULL
        GROUP BY i.round_id`,
      [roundIds],
    );
    return new Map(rows.map((r) => [r.round_id, { invited: r.invited, responded: r.responded }]));
  }

  /** Participation of a team's current members in rounds, by round id (absent: nobody). */
  async teamParticipation(
    roundIds: string[],
    teamId: string,
  ): Promise<Map<string, { invited: number; responded: number }>> {
    if (roundIds.length === 0) return new Map();
    const rows: { round_id: string; invited: number; responded: number }[] = await this.repo.query(
      `SELECT i.round_id, count(*)::int AS invited,
              (count(*) FILTER (WHERE i.responded))::int AS responded
         FROM round_invitations i JOIN people p ON p.id = i.person_id
        WHERE i.round_id = ANY($1::uuid[]) AND p.team_id = $2
        GROUP BY i.round_id`,
      [roundIds, teamId],
    );
    return new Map(rows.map((r) => [r.round_id, { invited: r.invited, responded: r.responded }]));
  }

  /** Open rounds the person was invited to (and has received), not yet answered. */
  listOpenFor(personId: string): Promise<RoundEntity[]> {
    return this.repo
      .createQueryBuilder('r')
      .innerJoin('round_invitations', 'i', 'i.round_id = r.id')
      .where('i.person_id = :personId AND NOT i.responded AND r.status = :open', {
        personId,
        open: 'open',
      })
      .andWhere('i.delivered_at IS NOT NULL')
      .orderBy('r.closes_at', 'ASC')
      .getMany();
  }

  /** The latest closed round this person was invited to: the one whose team results /pulse shows. */
  latestClosedFor(personId: string): Promise<RoundEntity | null> {
    return this.repo
      .createQueryBuilder('r')
      .innerJoin('round_invitations', 'i', 'i.round_id = r.id')
      .where('i.person_id = :personId AND r.status = :closed', { personId, closed: 'closed' })
      .orderBy('r.closed_at', 'DESC')
      .getOne();
  }
}
