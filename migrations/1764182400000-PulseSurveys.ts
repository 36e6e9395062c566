import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pulse surveys. Content and identity live apart (docs/contract.md):
 * - round_invitations says who was invited and *whether* they answered (a boolean, no time);
 * - responses/answers hold what was answered with the round and a team snapshot only, keyed
 *   by a random UUID; nothing joins the two.
 * round_tallies and round_group_sizes are the aggregates computed when a round closes, so
 * results and trends never scan raw answers.
 */
export class PulseSurveys1764182400000 implements MigrationInterface {
  name = 'PulseSurveys1764182400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE surveys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        title varchar(120) NOT NULL,
        questions jsonb NOT NULL,
        questions_per_round integer CHECK (questions_per_round >= 1),
        rotation_cursor integer NOT NULL DEFAULT 0,
        audience_team_ids uuid[],
        schedule_rrule text,
        schedule_local_time varchar(5),
        window_hours integer NOT NULL DEFAULT 72 CHECK (window_hours BETWEEN 1 AND 720),
        reminder_after_hours integer CHECK (reminder_after_hours >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((schedule_rrule IS NULL) = (schedule_local_time IS NULL))
      )`);
    await q.query(`CREATE INDEX surveys_workspace ON surveys (workspace_id)`);
    await q.query(`
      CREATE TABLE rounds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        status varchar(8) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        questions jsonb NOT NULL,
        k integer NOT NULL CHECK (k >= 3),
        occurrence varchar(10),
        opened_at timestamptz NOT NULL,
        closes_at timestamptz NOT NULL,
        closed_at timestamptz,
        reminder_sent_at timestamptz,
        UNIQUE (survey_id, occurrence)
      )`);
    await q.query(`CREATE INDEX rounds_survey ON rounds (survey_id, opened_at)`);
    await q.query(`
      CREATE TABLE round_invitations (
        round_id uuid NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        person_id uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        deliver_after timestamptz NOT NULL,
        delivered_at timestamptz,
        dm_channel varchar(32),
        dm_ts varchar(32),
        responded boolean NOT NULL DEFAULT false,
        reminded_at timestamptz,
        PRIMARY KEY (round_id, person_id)
      )`);
    await q.query(`CREATE INDEX round_invitations_person ON round_invitations (person_id)`);
    await q.query(`
      CREATE TABLE responses (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        round_id uuid NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        team_id uuid
      )`);
    await q.query(`
      CREATE TABLE answers (
        response_id uuid NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
        round_id uuid NOT NULL,
        team_id uuid,
        question_id varchar(64) NOT NULL,
        value varchar(200),
        comment text,
        PRIMARY KEY (response_id, question_id),
        CHECK ((value IS NULL) <> (comment IS NULL))
      )`);
    await q.query(`CREATE INDEX answers_round ON answers (round_id, question_id)`);
    await q.query(`
      CREATE TABLE round_group_sizes (
        round_id uuid NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        team_id uuid,
        respondents integer NOT NULL
      )`);
    await q.query(
      `CREATE UNIQUE INDEX round_group_sizes_key ON round_group_sizes (round_id, COALESCE(team_id, '00000000-0000-0000-0000-000000000000'))`,
    );
    await q.query(`
      CREATE TABLE round_tallies (
        round_id uuid NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        team_id uuid,
        question_id varchar(64) NOT NULL,
        value varchar(200) NOT NULL,
        n integer NOT NULL
      )`);
    await q.query(`CREATE INDEX round_tallies_round ON round_tallies (round_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'round_tallies',
      'round_group_sizes',
      'answers',
      'responses',
      'round_invitations',
      'rounds',
      'surveys',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
