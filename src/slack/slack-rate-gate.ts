/**
 * Slack rate limits are counted per method, per workspace, per app.
 *
 * - Pacing (reserve): each paced method books a slot under its tier before it is called, so a
 *   thousand agents starting focus at 9:00 are applied at Slack's pace instead of drawing 429s.
 *   The window is counted as Slack counts it — calls in any 60 seconds — in Postgres
 *   (slack_calls, booked by slack_reserve() under a per-method lock), so every replica shares
 *   it. A wave under the tier goes out at once; a bigger one fills the minute and books the
 *   rest a minute after the calls they follow. 97 % of the tier is used: the margin absorbs a
 *   job that reaches its slot a little late.
 * - Pauses (pause / pausedUntil): after a 429 on one agent's users.profile.set, every agent's
 *   users.profile.set in that workspace waits out Retry-After (slack_pauses).
 */
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';

/** Share of the tier the pacer books. */
const PACE_SHARE = 0.97;

/** A booked slot, or the end of the 429 pause that stopped the booking. */
export type Reservation = { at: Date; pausedUntil?: undefined } | { pausedUntil: Date };

@Injectable()
export class SlackRateGate {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Books the method's next slot in this workspace: when the call may be made (now, or later
   * when the minute's calls are used up), or the pause that forbids it. A slot booked is used
   * by the caller, even if it must wait for it.
   */
  async reserve(workspaceId: string, method: string): Promise<Reservation> {
    const now = this.clock.now();
    const perMinute = this.config.slack.methodRates[method];
    if (!perMinute) {
      const pausedUntil = await this.pausedUntil(workspaceId, [method]);
      return pausedUntil ? { pausedUntil } : { at: now };
    }
    const [row]: { slot: Date | null; paused_until: Date | null }[] = await this.dataSource.query(
      `SELECT slot, paused_until FROM slack_reserve($1, $2, $3, $4)`,
      [workspaceId, method, now, Math.max(1, Math.floor(perMinute * PACE_SHARE))],
    );
    if (row.paused_until) return { pausedUntil: new Date(row.paused_until) };
    return { at: new Date(row.slot!) };
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
