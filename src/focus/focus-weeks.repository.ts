/**
 * Weekly focus figures per team: computed from blocks and refusals while a week's rows exist,
 * kept in focus_weeks once the week is rolled up (before its blocks are deleted). Both paths
 * compute the same figures with the same SQL, so a week reads the same before and after.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { weekStartsBetween } from './focus-weeks';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

/** One team (or "no team") in one week. */
export interface WeekFigures {
  teamId: string | null;
  weekStart: Date;
  /** Distinct people with a (not cancelled) block in the week: the group size k applies to. */
  people: number;
  focusSeconds: number;
  /** Blocks started in the week. */
  blocks: number;
  /** Requests refused by the coverage guard in the week. */
  refused: number;
}

interface FiguresRow {
  team_id: string | null;
  week_start: Date;
  people: number;
  focus_seconds: string | number;
  blocks: number;
  refused: number;
}

const toFigures = (r: FiguresRow): WeekFigures => ({
  teamId: r.team_id,
  weekStart: new Date(r.week_start),
  people: r.people,
  focusSeconds: Number(r.focus_seconds),
  blocks: r.blocks,
  refused: r.refused,
});

/**
 * Figures per team of the weeks starting at $2 (an array of Monday 00:00 UTC), from the
 * workspace $1's blocks and refusals. A block counts for every week it overlaps: its hours
 * split at the week boundary, its person in each such week's people, and as a block in the week
 * it starts. The team is the one recorded on the block (the agent's team when they took it).
 * `interval '168 hours'`, not '7 days': hours do not bend with the session's DST.
 */
const LIVE_FIGURES = `
  WITH weeks AS (
    SELECT w AS week_start, w + interval '168 hours' AS week_end FROM unnest($2::timestamptz[]) AS w
  ), taken AS (
    SELECT b.team_id, w.week_start,
           count(DISTINCT b.person_id)::int AS people,
           round(sum(extract(epoch FROM LEAST(b.ends_at, w.week_end) - GREATEST(b.starts_at, w.week_start))))::bigint AS focus_seconds,
           (count(*) FILTER (WHERE b.starts_at >= w.week_start))::int AS blocks
      FROM focus_blocks b JOIN weeks w ON b.starts_at < w.week_end AND b.ends_at > w.week_start
     WHERE b.workspace_id = $1 AND b.state <> 'cancelled'
     GROUP BY 1, 2
  ), refusals AS (
    SELECT r.team_id, w.week_start, count(*)::int AS refused
      FROM focus_refusals r JOIN weeks w ON r.refused_at >= w.week_start AND r.refused_at < w.week_end
     WHERE r.workspace_id = $1
     GROUP BY 1, 2
  )
  SELECT team_id, week_start, sum(people)::int AS people, sum(focus_seconds)::bigint AS focus_seconds,
         sum(blocks)::int AS blocks, sum(refused)::int AS refused
    FROM (SELECT team_id, week_start, people, focus_seconds, blocks, 0 AS refused FROM taken
          UNION ALL
          SELECT team_id, week_start, 0, 0, 0, refused FROM refusals) AS figures
   GROUP BY 1, 2`;

@Injectable()
export class FocusWeeksRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /** The ambient transaction's manager, or the DataSource's outside one. */
  private get db(): EntityManager {
    return this.txHost.tx;
  }

  /**
   * Figures of the weeks in [from, to) (week starts): rolled-up weeks from focus_weeks, later
   * ones from the blocks. One REPEATABLE READ snapshot, so a roll-up committing meanwhile cannot
   * make a week count twice (read live, then rolled up) or not at all (its blocks deleted).
   */
  figures(workspaceId: string, from: Date, to: Date): Promise<WeekFigures[]> {
    if (from >= to) return Promise.resolve([]);
    return this.txHost.withTransaction({ isolationLevel: 'REPEATABLE READ' }, async () => {
      const mark = (await this.rolledUpUntil(workspaceId)) ?? from;
      // Weeks before the mark are kept rows; the mark and after are read from the blocks.
      const split = new Date(Math.min(Math.max(mark.getTime(), from.getTime()), to.getTime()));
      const kept: FiguresRow[] =
        split > from
          ? await this.db.query(
              `SELECT team_id, week_start, people, focus_seconds, blocks, refused FROM focus_weeks
                WHERE workspace_id = $1 AND week_start >= $2 AND week_start < $3`,
              [workspaceId, from, split],
            )
          : [];
      const live = await this.liveFigures(workspaceId, split, to);
      return [...kept.map(toFigures), ...live];
    });
  }

  private async liveFigures(workspaceId: string, from: Date, to: Date): Promise<WeekFigures[]> {
    const weeks = weekStartsBetween(from, to);
    if (weeks.length === 0) return [];
    const rows: FiguresRow[] = await this.db.query(LIVE_FIGURES, [workspaceId, weeks]);
    return rows.map(toFigures);
  }

  /**
   * Takes the workspace's roll-up lock (a second run or replica waits here, then finds the weeks
   * done) and returns the mark: every week before it is in focus_weeks; null when none is yet.
   */
  async lockRollup(workspaceId: string): Promise<Date | null> {
    await this.db.query(
      `INSERT INTO focus_rollups (workspace_id) VALUES ($1) ON CONFLICT (workspace_id) DO NOTHING`,
      [workspaceId],
    );
    const [row]: { rolled_up_until: Date | null }[] = await this.db.query(
      `SELECT rolled_up_until FROM focus_rollups WHERE workspace_id = $1 FOR UPDATE`,
      [workspaceId],
    );
    return row.rolled_up_until ? new Date(row.rolled_up_until) : null;
  }

  private async rolledUpUntil(workspaceId: string): Promise<Date | null> {
    const [row]: { rolled_up_until: Date | null }[] = await this.db.query(
      `SELECT rolled_up_until FROM focus_rollups WHERE workspace_id = $1`,
      [workspaceId],
    );
    return row?.rolled_up_until ? new Date(row.rolled_up_until) : null;
  }

  /** The start of the first week holding any of the workspace's blocks or refusals. */
  async firstWeekWithData(workspaceId: string): Promise<Date | null> {
    const [row]: { first: Date | null }[] = await this.db.query(
      `SELECT date_trunc('week', LEAST(
                (SELECT min(starts_at) FROM focus_blocks WHERE workspace_id = $1),
                (SELECT min(refused_at) FROM focus_refusals WHERE workspace_id = $1)
              ) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS first`,
      [workspaceId],
    );
    return row.first ? new Date(row.first) : null;
  }

  /**
   * Writes the figures of the weeks in [from, to) into focus_weeks and moves the mark to `to`,
   * inside the caller's transaction holding lockRollup. Weeks without any figure get no row.
   * Returns the rows written.
   */
  async rollUp(workspaceId: string, from: Date, to: Date): Promise<number> {
    const weeks = weekStartsBetween(from, to);
    let written = 0;
    // A year of weeks per statement keeps the array parameter small after a long pause.
    for (let i = 0; i < weeks.length; i += 53) {
      const [{ n }]: { n: number }[] = await this.db.query(
        `WITH written AS (
           INSERT INTO focus_weeks (workspace_id, team_id, week_start, people, focus_seconds, blocks, refused)
           SELECT $1, team_id, week_start, people, focus_seconds, blocks, refused FROM (${LIVE_FIGURES}) AS f
           RETURNING 1)
         SELECT count(*)::int AS n FROM written`,
        [workspaceId, weeks.slice(i, i + 53)],
      );
      written += n;
    }
    await this.db.query(`UPDATE focus_rollups SET rolled_up_until = $2 WHERE workspace_id = $1`, [
      workspaceId,
      to,
    ]);
    return written;
  }

  /** Refusals before `before` (a rolled-up week's end at the latest). */
  async deleteRefusalsBefore(workspaceId: string, before: Date): Promise<number> {
    const [{ n }]: { n: number }[] = await this.db.query(
      `WITH gone AS (
         DELETE FROM focus_refusals WHERE workspace_id = $1 AND refused_at < $2 RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [workspaceId, before],
    );
    return n;
  }
}
