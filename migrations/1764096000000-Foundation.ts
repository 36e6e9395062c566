import { MigrationInterface, QueryRunner } from 'typeorm';

/** Workspaces (Slack installations and their settings), teams, people and API tokens. */
export class Foundation1764096000000 implements MigrationInterface {
  name = 'Foundation1764096000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workspaces (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slack_team_id varchar(32) NOT NULL UNIQUE,
        name varchar(200) NOT NULL,
        bot_token_enc text,
        bot_user_id varchar(32),
        bot_scopes text,
        installed_by_slack_user_id varchar(32),
        anonymity_threshold integer CHECK (anonymity_threshold >= 3),
        story_moderation boolean NOT NULL DEFAULT true,
        hr_channel_id varchar(32),
        digest_channel_id varchar(32),
        focus_status_text varchar(100),
        focus_status_emoji varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE teams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name varchar(80) NOT NULL,
        min_on_duty integer NOT NULL DEFAULT 0 CHECK (min_on_duty >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX teams_workspace_name ON teams (workspace_id, lower(name))`);
    await q.query(`
      CREATE TABLE people (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        slack_user_id varchar(32) NOT NULL,
        name varchar(200) NOT NULL,
        real_name varchar(200),
        email varchar(320),
        tz varchar(64) NOT NULL DEFAULT 'UTC',
        tz_offset integer NOT NULL DEFAULT 0,
        team_id uuid REFERENCES teams(id) ON DELETE SET NULL,
        role varchar(8) NOT NULL DEFAULT 'agent' CHECK (role IN ('agent', 'lead', 'hr', 'admin')),
        active boolean NOT NULL DEFAULT true,
        user_token_enc text,
        user_scopes text,
        connected_at timestamptz,
        synced_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (workspace_id, slack_user_id)
      )`);
    await q.query(`CREATE INDEX people_team ON people (team_id)`);
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name varchar(100) NOT NULL,
        role varchar(8) NOT NULL CHECK (role IN ('lead', 'hr', 'admin')),
        team_id uuid REFERENCES teams(id) ON DELETE CASCADE,
        token_hash char(64) NOT NULL UNIQUE,
        token_prefix varchar(16) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        CHECK (role <> 'lead' OR team_id IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX api_tokens_workspace ON api_tokens (workspace_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_tokens`);
    await q.query(`DROP TABLE people`);
    await q.query(`DROP TABLE teams`);
    await q.query(`DROP TABLE workspaces`);
  }
}
