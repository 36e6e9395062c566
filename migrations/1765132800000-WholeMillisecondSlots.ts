import { MigrationInterface, QueryRunner } from 'typeorm';
import { SLACK_BOOK_LEARNED } from './1764960000000-LearnedPacing';

/** slack_book() as LearnedPacing made it, but booking whole milliseconds while learning. */
const SLACK_BOOK_WHOLE_MS = `
CREATE OR REPLACE FUNCTION slack_book(
  p_workspace uuid, p_method varchar, p_now timestamptz, p_not_before timestamptz,
  p_ceiling double precision, p_late_ms integer, p_calm_ms integer,
  p_raise double precision, p_cap_share double precision, p_decay double precision,
  p_min double precision
) RETURNS TABLE (slot timestamptz, paused_until timestamptz, epoch integer,
                 pace double precision, announce boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_from timestamptz := GREATEST(p_now, COALESCE(p_not_before, p_now));
  r slack_pacing;
  v_paused timestamptz;
  v_oldest timestamptz;
  v_slot timestamptz;
  v_learning boolean;
  v_pace double precision := p_ceiling;
  v_window integer;
  v_announce boolean := false;
BEGIN
  INSERT INTO slack_pacing (workspace_id, method) VALUES (p_workspace, p_method)
    ON CONFLICT DO NOTHING;
  SELECT * INTO r FROM slack_pacing
    WHERE workspace_id = p_workspace AND method = p_method FOR UPDATE;
  SELECT max(until) INTO v_paused FROM slack_pauses
    WHERE workspace_id = p_workspace AND method = p_method AND until > v_from;
  IF v_paused IS NOT NULL THEN
    RETURN QUERY SELECT NULL::timestamptz, v_paused, r.epoch, r.pace, false;
    RETURN;
  END IF;
  DELETE FROM slack_calls
    WHERE workspace_id = p_workspace AND method = p_method
      AND at <= p_now - interval '60 seconds';
  v_learning := r.limited_at IS NOT NULL
    AND r.limited_at > p_now - make_interval(secs => p_calm_ms / 1000.0);
  IF v_learning THEN
    v_pace := slack_learned_pace(r, p_now, p_ceiling, p_raise, p_cap_share, p_decay, p_min);
  END IF;
  v_window := floor(v_pace);
  v_slot := v_from;
  IF v_window IS NOT NULL THEN
    -- slack_calls.at is the latest moment each call may reach Slack: the window is full
    -- while v_window of them fall within the minute before the slot.
    SELECT at INTO v_oldest FROM slack_calls
      WHERE workspace_id = p_workspace AND method = p_method
      ORDER BY at DESC OFFSET GREATEST(1, v_window) - 1 LIMIT 1;
    v_slot := GREATEST(v_from, COALESCE(v_oldest + interval '60.001 seconds', v_from));
  END IF;
  IF v_learning THEN
    v_slot := GREATEST(v_slot, COALESCE(r.next_at, v_slot));
    -- A whole millisecond, rounded up: the app holds slots as JavaScript Dates, and gives one
    -- back (release, slack_limited) by matching it exactly.
    v_slot := date_trunc('milliseconds', v_slot + interval '999 microseconds');
    v_announce := r.announced IS NULL
      OR v_pace >= r.announced * 1.25 OR v_pace <= r.announced / 1.25;
    UPDATE slack_pacing SET
        pace = v_pace,
        pace_at = GREATEST(p_now, pace_at),
        next_at = v_slot + make_interval(secs => 60.0 / v_pace),
        announced = CASE WHEN v_announce THEN v_pace ELSE announced END
      WHERE workspace_id = p_workspace AND method = p_method;
  ELSIF r.announced IS NOT NULL THEN
    -- Calm again: what was learnt is forgotten, the tier holds.
    v_announce := true;
    UPDATE slack_pacing SET pace = NULL, bad = NULL, next_at = NULL, announced = NULL
      WHERE workspace_id = p_workspace AND method = p_method;
  END IF;
  INSERT INTO slack_calls (workspace_id, method, at)
    VALUES (p_workspace, p_method, v_slot + make_interval(secs => p_late_ms / 1000.0));
  RETURN QUERY SELECT v_slot, NULL::timestamptz, r.epoch,
    CASE WHEN v_learning THEN v_pace END, v_announce;
END $$`;

/**
 * slack_book() books whole milliseconds while learning. The evenly spaced slots (60/pace s
 * apart) had microseconds, which the app's Dates drop: a slot given back (release, or the
 * refused call's in slack_limited) then matched no booking, and the booking stayed in the
 * minute's window. In the Slack storm (docs/reliability.md) those leftovers, with the spacing
 * that jobs re-queued for a later slot kept pushing on, held every DM back for minutes.
 */
export class WholeMillisecondSlots1765132800000 implements MigrationInterface {
  name = 'WholeMillisecondSlots1765132800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(SLACK_BOOK_WHOLE_MS);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(SLACK_BOOK_LEARNED);
  }
}
