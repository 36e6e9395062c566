/**
 * Slack rate limits are counted per method, per workspace, per app. After a 429 on one agent's
 * users.profile.set, every agent's users.profile.set in that workspace must wait out
 * Retry-After. The pause lives in Postgres (slack_pauses) so every replica honours it.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';

@Injectable()
export class SlackRateGate {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

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
