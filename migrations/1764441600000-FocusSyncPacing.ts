import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Focus sync at Slack's pace and one sync at a time per block:
 * - focus_blocks.sync_lease_*: the start and end syncs of one block (and replicas) take turns;
 * - slack_calls: the calls (made or booked) per workspace and method over the last minute,
 *   counted like Slack counts them, so every replica stays under the method's tier;
 * - slack_reserve(): books the next slot in one round trip, serialised per workspace and method
 *   by a lock on its slack_pacing row; it books nothing while a 429 pause runs.
 * Both tables are UNLOGGED: a booking commits without waiting for the WAL (half the lock's hold
 * time in bench/focus-sync). A crash of Postgres forgets at most the last minute's bookings,
 * after which a 429, if any, still pauses the method.
 */
export class FocusSyncPacing1764441600000 implements MigrationInterface {
  name = 'FocusSyncPacing1764441600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE focus_blocks ADD COLUMN sync_lease_id uuid, ADD COLUMN sync_lease_until timestamptz`,
    );
    await q.query(`
      CREATE UNLOGGED TABLE slack_pacing (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        method varchar(64) NOT NULL,
        PRIMARY KEY (workspace_id, method)
      )`);
    await q.query(`
      CREATE UNLOGGED TABLE slack_calls (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        method varchar(64) NOT NULL,
        at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX slack_calls_window ON slack_calls (workspace_id, method, at)`);
    await q.query(SLACK_RESERVE_4);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION slack_reserve(uuid, varchar, timestamptz, integer)`);
    await q.query(`DROP TABLE slack_calls`);
    await q.query(`DROP TABLE slack_pacing`);
    await q.query(
      `ALTER TABLE focus_blocks DROP COLUMN sync_lease_id, DROP COLUMN sync_lease_until`,
    );
  }
}

/** slack_reserve() as first written; also restored by DropSlackReserve's down(). */
export const SLACK_RESERVE_4 = `
      CREATE FUNCTION slack_reserve(
        p_workspace uuid, p_method varchar, p_now timestamptz, p_per_minute integer
      ) RETURNS TABLE (slot timestamptz, paused_until timestamptz)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_paused timestamptz;
        v_oldest timestamptz;
        v_slot timestamptz;
      BEGIN
        INSERT INTO slack_pacing (workspace_id, method) VALUES (p_workspace, p_method)
          ON CONFLICT DO NOTHING;
        PERFORM 1 FROM slack_pacing
          WHERE workspace_id = p_workspace AND method = p_method FOR UPDATE;
        SELECT max(until) INTO v_paused FROM slack_pauses
          WHERE workspace_id = p_workspace AND method = p_method AND until > p_now;
        IF v_paused IS NOT NULL THEN
          RETURN QUERY SELECT NULL::timestamptz, v_paused;
          RETURN;
        END IF;
        DELETE FROM slack_calls
          WHERE workspace_id = p_workspace AND method = p_method
            AND at <= p_now - interval '60 seconds';
        -- The window is full while p_per_minute calls fall within the minute before the slot:
        -- the next slot is a minute after the p_per_minute-th latest one.
        SELECT at INTO v_oldest FROM slack_calls
          WHERE workspace_id = p_workspace AND method = p_method
          ORDER BY at DESC OFFSET p_per_minute - 1 LIMIT 1;
        v_slot := GREATEST(p_now, COALESCE(v_oldest + interval '60.001 seconds', p_now));
        INSERT INTO slack_calls (workspace_id, method, at) VALUES (p_workspace, p_method, v_slot);
        RETURN QUERY SELECT v_slot, NULL::timestamptz;
      END $$`;
