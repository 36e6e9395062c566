import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Focus privacy (docs/contract.md): ended and cancelled blocks are deleted after the workspace's
 * focus_retention_days, and only weekly aggregates are kept.
 *
 * - focus_blocks.team_id: the team the agent was in when the block was taken, so a week's
 *   figures do not move when someone changes team later (a move would otherwise show as the
 *   difference between two reads). Backfilled from the agent's team now.
 * - focus_weeks: per workspace, team and ISO week (Monday 00:00 UTC) the summary's figures —
 *   distinct people who took focus, focus seconds, blocks taken, refusals — written once per
 *   week by the retention job before any block of that week is deleted.
 * - focus_rollups: per workspace, the week start before which every week is in focus_weeks.
 *   Weeks are rolled up and the mark moved in one transaction under this row's lock, so a
 *   second run or replica finds them done and never counts a week twice.
 */
export class FocusPrivacy1764700800000 implements MigrationInterface {
  name = 'FocusPrivacy1764700800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE workspaces ADD COLUMN focus_retention_days integer NOT NULL DEFAULT 30
        CHECK (focus_retention_days BETWEEN 7 AND 365)`);
    await q.query(
      `ALTER TABLE focus_blocks ADD COLUMN team_id uuid REFERENCES teams(id) ON DELETE SET NULL`,
    );
    await q.query(
      `UPDATE focus_blocks b SET team_id = p.team_id FROM people p WHERE p.id = b.person_id`,
    );
    // What the retention job deletes: finished blocks by end.
    await q.query(
      `CREATE INDEX focus_blocks_finished ON focus_blocks (workspace_id, ends_at)
        WHERE state IN ('ended', 'cancelled')`,
    );
    await q.query(`
      CREATE TABLE focus_weeks (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        team_id uuid REFERENCES teams(id) ON DELETE CASCADE,
        week_start timestamptz NOT NULL
          CHECK (date_trunc('week', week_start AT TIME ZONE 'UTC') = week_start AT TIME ZONE 'UTC'),
        people integer NOT NULL CHECK (people >= 0),
        focus_seconds bigint NOT NULL CHECK (focus_seconds >= 0),
        blocks integer NOT NULL CHECK (blocks >= 0),
        refused integer NOT NULL CHECK (refused >= 0)
      )`);
    // One row per group and week; "no team" is a group of its own.
    await q.query(`
      CREATE UNIQUE INDEX focus_weeks_group ON focus_weeks
        (workspace_id, week_start, COALESCE(team_id, '00000000-0000-0000-0000-000000000000'::uuid))`);
    await q.query(`
      CREATE TABLE focus_rollups (
        workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
        rolled_up_until timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE focus_rollups`);
    await q.query(`DROP TABLE focus_weeks`);
    await q.query(`DROP INDEX focus_blocks_finished`);
    await q.query(`ALTER TABLE focus_blocks DROP COLUMN team_id`);
    await q.query(`ALTER TABLE workspaces DROP COLUMN focus_retention_days`);
  }
}
