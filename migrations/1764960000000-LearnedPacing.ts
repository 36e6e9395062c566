import { MigrationInterface, QueryRunner } from 'typeorm';

/** slack_book() as this migration made it (WholeMillisecondSlots restores it on the way down). */
export const SLACK_BOOK_LEARNED = `
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
 * Pacing that learns from 429s (docs/architecture.md, "why we wrote our own pacer"). Per
 * workspace and method, slack_pacing now keeps what the pacer believes:
 * - pace: calls per minute it paces at while learning; bad: the pace (or wave) that last drew
 *   a 429; limited_at: when; pace_at: from when the pace rises again (the end of Retry-After);
 *   next_at: the next evenly spaced slot; epoch: bumped by every 429 that changes the pace, so
 *   slots booked at the old pace are booked again; announced: the pace last logged.
 * - slack_book(): books a slot. Calm (no 429 for p_calm_ms): the minute's window at the tier, a
 *   wave under it at once, as before. Learning: slots spaced 60/pace s apart, the pace rising by
 *   p_raise × bad per minute up to a cap of p_cap_share × bad, which itself relaxes by p_decay ×
 *   bad per minute, so a limit that was raised is found again. Methods without a tier
 *   (p_ceiling NULL) are unbounded while calm.
 * - slack_limited(): a 429. The pause is recorded; the refused call's booking is taken out of
 *   the window; the first 429 of a calm stretch switches to even spacing at the wave's rate (a
 *   refused burst says the burst was too big, not the pace); a 429 while learning multiplies
 *   the pace by p_beta — or, refused after climbing back to within 10 % of the pace refused
 *   last time (the limit is known), by p_cap_share². 429s that come while a pause already runs are the same congestion
 *   event (calls already in flight) and change nothing but the pause.
 */
export class LearnedPacing1764960000000 implements MigrationInterface {
  name = 'LearnedPacing1764960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE slack_pacing
        ADD COLUMN pace double precision,
        ADD COLUMN bad double precision,
        ADD COLUMN limited_at timestamptz,
        ADD COLUMN pace_at timestamptz,
        ADD COLUMN next_at timestamptz,
        ADD COLUMN announced double precision,
        ADD COLUMN set_pace double precision,
        ADD COLUMN epoch integer NOT NULL DEFAULT 0`);
    // The pace believed now: risen since pace_at, under the cap that relaxes since limited_at.
    await q.query(`
      CREATE FUNCTION slack_learned_pace(
        p_row slack_pacing, p_now timestamptz, p_ceiling double precision,
        p_raise double precision, p_cap_share double precision, p_decay double precision,
        p_min double precision
      ) RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
        SELECT GREATEST(p_min, LEAST(
          p_row.bad * (p_cap_share
            + p_decay * GREATEST(0, extract(epoch FROM p_now - p_row.limited_at)) / 60),
          COALESCE(p_ceiling, 'Infinity'::double precision),
          p_row.pace + p_row.bad * p_raise
            * GREATEST(0, extract(epoch FROM p_now - p_row.pace_at)) / 60))
      $$`);
    await q.query(SLACK_BOOK_LEARNED);
    await q.query(`
      CREATE FUNCTION slack_limited(
        p_workspace uuid, p_method varchar, p_now timestamptz, p_retry_after_ms integer,
        p_slot timestamptz, p_ceiling double precision, p_late_ms integer, p_calm_ms integer,
        p_beta double precision, p_raise double precision, p_cap_share double precision,
        p_decay double precision, p_min double precision
      ) RETURNS TABLE (until timestamptz, pace double precision, changed boolean, epoch integer)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_until timestamptz := p_now + make_interval(secs => p_retry_after_ms / 1000.0);
        r slack_pacing;
        v_running timestamptz;
        v_bad double precision;
        v_pace double precision;
      BEGIN
        INSERT INTO slack_pacing (workspace_id, method) VALUES (p_workspace, p_method)
          ON CONFLICT DO NOTHING;
        SELECT * INTO r FROM slack_pacing
          WHERE workspace_id = p_workspace AND method = p_method FOR UPDATE;
        SELECT max(s.until) INTO v_running FROM slack_pauses s
          WHERE s.workspace_id = p_workspace AND s.method = p_method AND s.until > p_now;
        INSERT INTO slack_pauses (workspace_id, method, until) VALUES (p_workspace, p_method, v_until)
          ON CONFLICT (workspace_id, method)
          DO UPDATE SET until = GREATEST(slack_pauses.until, EXCLUDED.until);
        -- The refused call does not use the window.
        IF p_slot IS NOT NULL THEN
          DELETE FROM slack_calls WHERE ctid IN (
            SELECT ctid FROM slack_calls
              WHERE workspace_id = p_workspace AND method = p_method
                AND at = p_slot + make_interval(secs => p_late_ms / 1000.0)
              LIMIT 1);
        END IF;
        IF v_running IS NOT NULL THEN
          RETURN QUERY SELECT GREATEST(v_running, v_until), r.pace, false, r.epoch;
          RETURN;
        END IF;
        IF r.limited_at IS NOT NULL
           AND r.limited_at > p_now - make_interval(secs => p_calm_ms / 1000.0) THEN
          v_bad := slack_learned_pace(r, p_now, p_ceiling, p_raise, p_cap_share, p_decay, p_min);
          -- Refused again after climbing back near the pace refused last time: the limit is
          -- known, settle just under it. Refused before climbing: it is lower, back off.
          v_pace := GREATEST(p_min, CASE
            WHEN v_bad > r.set_pace * 1.05 AND v_bad >= r.bad * 0.9
              THEN v_bad * p_cap_share * p_cap_share
            ELSE v_bad * p_beta END);
        ELSE
          v_bad := GREATEST(p_min, COALESCE(p_ceiling, (
            SELECT count(*) FROM slack_calls c
              WHERE c.workspace_id = p_workspace AND c.method = p_method
                AND c.at > p_now - interval '60 seconds')));
          v_pace := GREATEST(p_min, v_bad * p_cap_share);
        END IF;
        UPDATE slack_pacing SET
            bad = v_bad, pace = v_pace, limited_at = p_now, pace_at = v_until,
            next_at = v_until, announced = v_pace, set_pace = v_pace,
            epoch = slack_pacing.epoch + 1
          WHERE workspace_id = p_workspace AND method = p_method;
        -- Slots booked at the old pace and not yet due are void: their holders book again.
        DELETE FROM slack_calls
          WHERE workspace_id = p_workspace AND method = p_method
            AND at > p_now + make_interval(secs => p_late_ms / 1000.0);
        RETURN QUERY SELECT v_until, v_pace, true, r.epoch + 1;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION slack_limited(uuid, varchar, timestamptz, integer, timestamptz, double precision, integer, integer, double precision, double precision, double precision, double precision, double precision)`,
    );
    await q.query(
      `DROP FUNCTION slack_book(uuid, varchar, timestamptz, timestamptz, double precision, integer, integer, double precision, double precision, double precision, double precision)`,
    );
    await q.query(
      `DROP FUNCTION slack_learned_pace(slack_pacing, timestamptz, double precision, double precision, double precision, double precision, double precision)`,
    );
    await q.query(`
      ALTER TABLE slack_pacing DROP COLUMN pace, DROP COLUMN bad, DROP COLUMN limited_at,
        DROP COLUMN pace_at, DROP COLUMN next_at, DROP COLUMN announced, DROP COLUMN set_pace,
        DROP COLUMN epoch`);
  }
}
