import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Focus sync at Slack's pace and one sync at a time per block:
 * - focus_blocks.sync_lease_*: the start and end syncs of one block (and replicas) take turns;
 * - slack_pacing: per workspace and method, the theoretical arrival time of the next call
 *   (GCRA), shared by every replica, so calls stay under Slack's tier without a 429.
 */
export class FocusSyncPacing1764441600000 implements MigrationInterface {
  name = 'FocusSyncPacing1764441600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE focus_blocks ADD COLUMN sync_lease_id uuid, ADD COLUMN sync_lease_until timestamptz`,
    );
    await q.query(`
      CREATE TABLE slack_pacing (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        method varchar(64) NOT NULL,
        tat timestamptz NOT NULL,
        PRIMARY KEY (workspace_id, method)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE slack_pacing`);
    await q.query(
      `ALTER TABLE focus_blocks DROP COLUMN sync_lease_id, DROP COLUMN sync_lease_until`,
    );
  }
}
