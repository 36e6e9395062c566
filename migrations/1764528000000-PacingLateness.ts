import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * slack_reserve() with an allowance and a booking moment:
 * - each booked call counts as made at the end of its allowance (p_late_ms after the slot), not
 *   at the slot. A job reaches Slack some time after its booking (pool, lock and event-loop
 *   waits under load): in bench/focus-sync the second minute's wave, booked a minute after the
 *   first wave's slots, reached Slack less than a minute after the first wave's calls and drew
 *   429s. The caller makes the call within the allowance or books again;
 * - p_not_before books a call prepared ahead for a later moment (a focus block's start), while
 *   the window is still cleared by the real now (p_now), never by that later moment.
 * The four-argument version stays for replicas still running the previous release.
 */
export class PacingLateness1764528000000 implements MigrationInterface {
  name = 'PacingLateness1764528000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(SLACK_RESERVE_6);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION slack_reserve(uuid, varchar, timestamptz, timestamptz, integer, integer)`,
    );
  }
}

/** slack_reserve() with an allowance; also restored by DropSlackReserve's down(). */
export const SLACK_RESERVE_6 = `
      CREATE FUNCTION slack_reserve(
        p_workspace uuid, p_method varchar, p_now timestamptz, p_not_before timestamptz,
        p_per_minute integer, p_late_ms integer
      ) RETURNS TABLE (slot timestamptz, paused_until timestamptz)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_from timestamptz := GREATEST(p_now, COALESCE(p_not_before, p_now));
        v_paused timestamptz;
        v_oldest timestamptz;
        v_slot timestamptz;
      BEGIN
        INSERT INTO slack_pacing (workspace_id, method) VALUES (p_workspace, p_method)
          ON CONFLICT DO NOTHING;
        PERFORM 1 FROM slack_pacing
          WHERE workspace_id = p_workspace AND method = p_method FOR UPDATE;
        SELECT max(until) INTO v_paused FROM slack_pauses
          WHERE workspace_id = p_workspace AND method = p_method AND until > v_from;
        IF v_paused IS NOT NULL THEN
          RETURN QUERY SELECT NULL::timestamptz, v_paused;
          RETURN;
        END IF;
        DELETE FROM slack_calls
          WHERE workspace_id = p_workspace AND method = p_method
            AND at <= p_now - interval '60 seconds';
        -- slack_calls.at is the latest moment each call may reach Slack. The window is full
        -- while p_per_minute of them fall within the minute before the slot: the next slot is
        -- a minute after the p_per_minute-th latest one.
        SELECT at INTO v_oldest FROM slack_calls
          WHERE workspace_id = p_workspace AND method = p_method
          ORDER BY at DESC OFFSET p_per_minute - 1 LIMIT 1;
        v_slot := GREATEST(v_from, COALESCE(v_oldest + interval '60.001 seconds', v_from));
        INSERT INTO slack_calls (workspace_id, method, at)
          VALUES (p_workspace, p_method, v_slot + make_interval(secs => p_late_ms / 1000.0));
        RETURN QUERY SELECT v_slot, NULL::timestamptz;
      END $$`;
