/**
 * Slack rate limits are counted per method, per workspace, per app.
 *
 * - Pacing (reserve): each paced method books a slot under its tier before it is called, so a
 *   thousand agents starting focus at 9:00 are applied at Slack's pace instead of drawing 429s.
 *   The window is counted as Slack counts it — calls in any 60 seconds — in Postgres
 *   (slack_calls, booked by slack_reserve() under a per-method lock), so every replica shares
 *   it. A wave under the tier goes out at once; a bigger one fills the minute and books the
 *   rest a minute after the calls they follow. A booked call counts as made at the end of its
 *   allowance (CALL_ALLOWANCE_MS after the slot): the caller makes it by then or books again
 *   (`late`), so a call that reaches Slack a little after its slot still falls inside the
 *   window the pacer counted. 97 % of the tier is used.
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
/** A booked call must be made within this long after its slot (see `late`). */
export const CALL_ALLOWANCE_MS = 2_000;
/** A call is sent no later than this before the end of its allowance. */
export const LATE_MARGIN_MS = 300;

/** A booked slot, or the end of the 429 pause that stopped the booking. */
export type Reservation = { at: Date; pausedUntil?: undefined } | { pausedUntil: Date };

@Injectable()
export class SlackRateGate {
  /** Pauses this process learnt of itself, checked (for free) just before each call. */
  private readonly pausesSeen = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Books the method's next slot in this workspace: when the call may be made (now, or later
   * when the minute's calls are used up), or the pause that forbids it. A slot booked is used
   * by the caller, even if it must wait for it. `notBefore` books for a later moment (a call
   * prepared ahead of the moment it is for).
   */
  async reserve(workspaceId: string, method: string, notBefore?: Date): Promise<Reservation> {
    const now = this.clock.now();
    const perMinute = this.config.slack.methodRates[method];
    if (!perMinute) {
      const pausedUntil = await this.pausedUntil(workspaceId, [method]);
      return pausedUntil ? { pausedUntil } : { at: notBefore && notBefore > now ? notBefore : now };
    }
    const [row]: { slot: Date | null; paused_until: Date | null }[] = await this.dataSource.query(
      `SELECT slot, paused_until FROM slack_reserve($1, $2, $3, $4, $5, $6)`,
      [
        workspaceId,
        method,
        now,
        notBefore ?? null,
        Math.max(1, Math.floor(perMinute * PACE_SHARE)),
        CALL_ALLOWANCE_MS,
      ],
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

  /**
   * A call booked for `slot` that is not on its way by now must be booked again. Checked right
   * before the call, with a margin for the moment between the check and the request leaving.
   */
  late(slot: Date): boolean {
    return this.clock.now().getTime() > slot.getTime() + CALL_ALLOWANCE_MS - LATE_MARGIN_MS;
  }

  /**
   * A pause this process recorded and that still runs: checked right before a call whose slot
   * was booked earlier, so the calls this replica has in hand stop at its own 429 at once.
   * (Other replicas' 429s are seen at the next booking or held-slot check.)
   */
  pausedHere(workspaceId: string, method: string): Date | null {
    const until = this.pausesSeen.get(`${workspaceId}:${method}`);
    return until && until > this.clock.now().getTime() ? new Date(until) : null;
  }

  /** Records Slack's Retry-After; a longer pause already recorded wins. */
  async pause(workspaceId: string, method: string, retryAfterSeconds: number): Promise<Date> {
    const until = new Date(this.clock.now().getTime() + Math.max(1, retryAfterSeconds) * 1000);
    const key = `${workspaceId}:${method}`;
    if ((this.pausesSeen.get(key) ?? 0) < until.getTime())
      this.pausesSeen.set(key, until.getTime());
    await this.dataSource.query(
      `INSERT INTO slack_pauses (workspace_id, method, until) VALUES ($1, $2, $3)
       ON CONFLICT (workspace_id, method) DO UPDATE SET until = GREATEST(slack_pauses.until, EXCLUDED.until)`,
      [workspaceId, method, until],
    );
    return until;
  }
}
