import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Focus time. A block is one stretch of heads-down time; a rule expands recurring blocks.
 * kept_status is the agent's own status before the block (restored after, compare-and-set on
 * applied_status). slack_pauses holds Slack's Retry-After per (workspace, method), shared by
 * every replica.
 */
export class FocusBlocks1764268800000 implements MigrationInterface {
  name = 'FocusBlocks1764268800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE focus_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        person_id uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        rrule text NOT NULL,
        local_start varchar(5) NOT NULL,
        duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 720),
        time_zone varchar(64) NOT NULL,
        note varchar(200),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE focus_blocks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        person_id uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        rule_id uuid REFERENCES focus_rules(id) ON DELETE SET NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        note varchar(200),
        source varchar(10) NOT NULL CHECK (source IN ('command', 'recurring', 'home')),
        state varchar(10) NOT NULL DEFAULT 'scheduled'
          CHECK (state IN ('scheduled', 'active', 'ended', 'cancelled')),
        kept_status jsonb,
        applied_status jsonb,
        applied_at timestamptz,
        restored_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (starts_at < ends_at)
      )`);
    await q.query(`CREATE INDEX focus_blocks_person ON focus_blocks (person_id, starts_at)`);
    await q.query(
      `CREATE INDEX focus_blocks_window ON focus_blocks (workspace_id, starts_at, ends_at)`,
    );
    await q.query(
      `CREATE UNIQUE INDEX focus_blocks_rule_start ON focus_blocks (rule_id, starts_at) WHERE rule_id IS NOT NULL`,
    );
    // Refusals by the coverage guard, counted per team for the summary (no person stored).
    await q.query(`
      CREATE TABLE focus_refusals (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        team_id uuid REFERENCES teams(id) ON DELETE CASCADE,
        refused_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX focus_refusals_window ON focus_refusals (workspace_id, refused_at)`,
    );
    await q.query(`
      CREATE TABLE slack_pauses (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        method varchar(64) NOT NULL,
        until timestamptz NOT NULL,
        PRIMARY KEY (workspace_id, method)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE slack_pauses`);
    await q.query(`DROP TABLE focus_refusals`);
    await q.query(`DROP TABLE focus_blocks`);
    await q.query(`DROP TABLE focus_rules`);
  }
}
