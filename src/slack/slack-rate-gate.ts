/**
 * Slack rate limits are counted per method, per workspace, per app.
 *
 * - Pacing (reserve): each paced method gets a slot under its tier before it is called, so a
 *   thousand agents starting focus at 9:00 are applied at Slack's pace instead of drawing 429s.
 *   A generic cell rate algorithm over one row per (workspace, method) in Postgres
 *   (slack_pacing.tat, the theoretical arrival time of the next call), so every replica shares
 *   it: 96 % of the tier with a burst of 4 % of a minute's calls, which together never exceed
 *   the tier in any 60-second window.
 * - Pauses (pause / pausedUntil): after a 429 on one agent's users.profile.set, every agent's
 *   users.profile.set in that workspace waits out Retry-After (slack_pauses).
 */
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';

/** Share of the tier the pacer uses steadily, and the burst it allows on top. */
const PACE_SHARE = 0.96;
const BURST_SHARE = 0.04;

@Injectable()
export class SlackRateGate {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Takes the method's next slot in this workspace: when the call may be made (now, or later
   * when the tier is used up). A slot taken is used by the caller, even if it must wait for it.
   */
  async reserve(workspaceId: string, method: string): Promise<Date> {
    const now = this.clock.now();
    const perMinute = this.config.slack.methodRates[method];
    if (!perMinute) return now;
    const interval = 60_000 / (perMinute * PACE_SHARE);
    const tolerance = Math.max(0, Math.floor(perMinute * BURST_SHARE) - 1) * interval;
    const rows: { tat: Date }[] = await this.dataSource.query(
      `INSERT INTO slack_pacing AS p (workspace_id, method, tat)
       VALUES ($1, $2, $3::timestamptz + $4 * interval '1 millisecond')
       ON CONFLICT (workspace_id, method) DO UPDATE
         SET tat = GREATEST(p.tat, $3::timestamptz) + $4 * interval '1 millisecond'
       RETURNING tat`,
      [workspaceId, method, now, interval],
    );
    const slot = new Date(rows[0].tat).getTime() - interval - tolerance;
    return new Date(Math.max(now.getTime(), Math.ceil(slot)));
  }

  /** When the method may be called again in this workspace; null when it may be called now. */
  async pausedUntil(workspaceId: string, methods: readonly string[]): Promise<Date | null> {
    const rows: { until: Date }[] = await this.dataSource.query(
      `SELECT max(until) AS until FROM slack_pauses
        WHERE workspace_id = $1 AND method = ANY($2::varchar[]) AND until > $3`,
      [workspaceId, methods, this.clock.now()],
    );
    return rows[0]?.until ? new Date(rows[0].until) : null;
  }

  /** Records Slack's Retry-After; a longer pause already recorded wins. */
  async pause(workspaceId: string, method: string, retryAfterSeconds: number): Promise<Date> {
    const until = new Date(this.clock.now().getTime() + Math.max(1, retryAfterSeconds) * 1000);
    await this.dataSource.query(
      `INSERT INTO slack_pauses (workspace_id, method, until) VALUES ($1, $2, $3)
       ON CONFLICT (workspace_id, method) DO UPDATE SET until = GREATEST(slack_pauses.until, EXCLUDED.until)`,
      [workspaceId, method, until],
    );
    return until;
  }
}
