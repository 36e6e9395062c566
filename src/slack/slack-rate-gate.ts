/**
 * The pacer. Slack rate limits are counted per method, per workspace, per app; every call the
 * app makes with a workspace's tokens books a slot here first and reports its 429s here.
 *
 * Why this algorithm (docs/architecture.md, "why we wrote our own pacer"): Slack's tiers are
 * floors ("Tier 3: 50+ per minute") and a workspace may refuse bursts well under them, so a
 * pacer that trusts the tier draws 429s, and one that only waits out Retry-After books its
 * next wave into the same wall. What it believes is kept per workspace and method in Postgres
 * (slack_pacing, booked by slack_book() under a row lock), so every replica paces alike:
 *
 * - Calm (no 429 for CALM_MS): the tier's window, as Slack counts it (calls in any 60 s), at
 *   97 % of the tier: a wave under it goes at once — a team starting focus at 9:00 gets its
 *   statuses within a second. A booked call counts as made at the end of its allowance
 *   (CALL_ALLOWANCE_MS after the slot): the caller makes it by then or books again (`late`).
 * - Learning (a 429 within CALM_MS): calls are spread evenly, 60/pace s apart — a token-bucket
 *   limit with a small burst accepts an even pace at its rate and refuses the same calls sent
 *   as a wave. The pace is AIMD with a memory:
 *   - the first 429 of a calm stretch switches to even spacing at 95 % of the wave's rate (a
 *     refused burst says the burst was too big, not that the pace was);
 *   - a 429 while paced evenly halves the pace (multiplicative decrease converges from any
 *     overestimate in a few steps: 0.4× the tier is found after two halvings) — unless it came
 *     after climbing back to within 10 % of the pace refused last time: then the limit is known
 *     and the pace settles at 90 % of it instead of halving;
 *   - the pace then rises additively (RAISE of the pace that drew the 429, per minute) but no
 *     higher than CAP_SHARE of it: the sawtooth of plain AIMD (its mean is 75 % of the limit)
 *     settles under the rate known to be refused;
 *   - that cap relaxes by DECAY of it per minute and everything is forgotten after CALM_MS
 *     without a 429, so a limit that was raised, or a passing squeeze, is not held forever.
 *   429s arriving while a pause already runs are the calls that were in flight when the first
 *   came back: one congestion event, one decrease.
 * - A floor: never under a quarter of the method's published tier (LEARNING.tierFloor; bot
 *   methods included; the configured rate when that is lower), which Slack documents as a
 *   minimum; below it, 429s are an incident that only Retry-After answers.
 * - A refused call does not use the window (its booking is taken back), and a 429 voids the
 *   slots booked at the old pace and not yet due (their holders see the epoch change and book
 *   again): after Retry-After the backlog resumes at the learnt pace, not a minute later. A slot
 *   given back (`release`: its job re-queued rather than wait) is free again in the even
 *   spacing too, so jobs re-queued for their slots do not push the spacing ahead of themselves.
 * - Pauses: after a 429 on one agent's users.profile.set, every agent's users.profile.set in
 *   that workspace waits out Retry-After (slack_pauses).
 * - One log line each time the learnt pace changes by a quarter or more, or is forgotten.
 *
 * Methods without a tier (bot calls: chat.postMessage, conversations.open, users.list…) are
 * unbounded while calm and learn like the others once Slack refuses them; their first pace is
 * the number of calls booked in the minute before the 429.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { RetryAt } from '../jobs/retry-at';
import { SlackCallError } from './slack-call.error';
import { SLACK_BOT_TIER_RATES, SLACK_TIER_RATES } from './slack-tiers';

/** Share of the tier the pacer books while calm. */
const PACE_SHARE = 0.97;
/** A booked call must be made within this long after its slot (see `late`). */
export const CALL_ALLOWANCE_MS = 2_000;
/** A call is sent no later than this before the end of its allowance. */
export const LATE_MARGIN_MS = 300;
/** How the pace is learnt; see the comment at the top. */
export const LEARNING = {
  /** Without a 429 for this long, what was learnt is forgotten and the tier holds again. */
  calmMs: 15 * 60_000,
  /** A 429 while paced evenly multiplies the pace by this. */
  beta: 0.5,
  /** The pace rises by this share of the refused pace per minute… */
  raise: 0.5,
  /** …up to this share of it… */
  capShare: 0.95,
  /** …which relaxes by this share of it per minute. */
  decay: 0.02,
  /** Never slower than one call a minute… */
  min: 1,
  /**
   * …nor, for a method with a tier, than this share of it. Slack documents its tiers as the
   * least it allows ("20+ per minute"); 429s at a quarter of the tier are an incident, not a
   * limit. In an incident (the Slack storm of test/faults: 429s for a third of the calls,
   * whatever the pace) every 429 halved the pace, dnd.setSnooze fell to a few calls a minute,
   * and the cap then held it there after the storm until the calm period ended; the fault case
   * timed out on the last snoozes. Every Retry-After is still waited out at this floor.
   */
  tierFloor: 0.25,
} as const;
/**
 * Calls of one method in one workspace this process has on their way to Slack at once. A wave
 * under the tier still goes at once, but in turns of this many: when Slack refuses the burst,
 * this process reads the 429 before it sends more, so the rest of the wave stops at once
 * instead of arriving inside the Retry-After it did not have time to read.
 */
const IN_FLIGHT_PER_METHOD = 8;
/** A slot this close is waited for in the job (`paced`); a later one re-queues the job. */
export const MAX_PACED_WAIT_MS = 20_000;

/** A booked slot (and the epoch of the pace it was booked at), or the pause that stopped it. */
export type Reservation =
  { at: Date; epoch: number; pausedUntil?: undefined } | { pausedUntil: Date; at?: undefined };

/** Whether a slot booked earlier may still be used. */
export interface HeldSlotCheck {
  /** A 429 pause runs until then: wait for it. */
  pausedUntil: Date | null;
  /** A 429 changed the pace since the slot was booked: book again. */
  stale: boolean;
}

@Injectable()
export class SlackRateGate {
  private readonly logger = new Logger(SlackRateGate.name);
  /** Pauses this process learnt of itself, checked (for free) just before each call. */
  private readonly pausesSeen = new Map<string, number>();
  /** The pace epochs this process learnt of itself (a 429 it drew). */
  private readonly epochsSeen = new Map<string, number>();
  /** Calls on their way per workspace and method, and the calls waiting for a turn. */
  private readonly inFlight = new Map<string, { running: number; waiting: (() => void)[] }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Books the method's next slot in this workspace: when the call may be made (now, or later
   * when the window is used up or the learnt pace spaces the calls), or the pause that forbids
   * it. A slot booked is used by the caller, even if it must wait for it, or released.
   * `notBefore` books for a later moment (a call prepared ahead of the moment it is for).
   */
  async reserve(workspaceId: string, method: string, notBefore?: Date): Promise<Reservation> {
    const [row]: {
      slot: Date | null;
      paused_until: Date | null;
      epoch: number;
      pace: number | null;
      announce: boolean;
    }[] = await this.dataSource.query(
      `SELECT slot, paused_until, epoch, pace, announce
         FROM slack_book($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        workspaceId,
        method,
        this.clock.now(),
        notBefore ?? null,
        this.ceiling(method),
        CALL_ALLOWANCE_MS,
        LEARNING.calmMs,
        LEARNING.raise,
        LEARNING.capShare,
        LEARNING.decay,
        this.floor(method),
      ],
    );
    if (row.announce) this.announce(workspaceId, method, row.pace);
    if (row.paused_until) return { pausedUntil: new Date(row.paused_until) };
    return { at: new Date(row.slot!), epoch: row.epoch };
  }

  /**
   * Gives back a slot that will not be used (its call was re-queued for later instead): out of
   * the window, and, while learning, out of the even spacing too. The next evenly spaced slot
   * goes back to one spacing after the latest slot still held (not before the pause's end), so
   * the next booking can have it. Without that, jobs that re-queue for a slot more than a
   * moment away each pushed the spacing on, and found it further still when they came back: in
   * the Slack storm no DM was sent for minutes after the storm ended.
   */
  async release(workspaceId: string, method: string, slot: Date): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      // slack_book's lock, taken first as it does.
      const [row]: { pace: number | null }[] = await m.query(
        `SELECT pace FROM slack_pacing WHERE workspace_id = $1 AND method = $2 FOR UPDATE`,
        [workspaceId, method],
      );
      await m.query(
        `DELETE FROM slack_calls WHERE ctid IN (
           SELECT ctid FROM slack_calls WHERE workspace_id = $1 AND method = $2 AND at = $3 LIMIT 1)`,
        [workspaceId, method, new Date(slot.getTime() + CALL_ALLOWANCE_MS)],
      );
      if (!row?.pace) return;
      await m.query(
        `UPDATE slack_pacing p SET next_at = LEAST(p.next_at, GREATEST(
             (SELECT max(s.until) FROM slack_pauses s
               WHERE s.workspace_id = $1 AND s.method = $2),
             (SELECT max(c.at) FROM slack_calls c WHERE c.workspace_id = $1 AND c.method = $2)
               - make_interval(secs => $3 / 1000.0) + make_interval(secs => 60.0 / p.pace)))
          WHERE p.workspace_id = $1 AND p.method = $2 AND p.next_at IS NOT NULL`,
        [workspaceId, method, CALL_ALLOWANCE_MS],
      );
    });
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
   * Checked right before a call whose slot was booked earlier (by this run or a previous one):
   * a pause running now, or a 429 anywhere since the booking (the epoch moved on).
   */
  async heldSlot(workspaceId: string, method: string, epoch: number): Promise<HeldSlotCheck> {
    const here = this.checkHere(workspaceId, method, epoch);
    if (here.pausedUntil || here.stale) return here;
    const rows: { epoch: number | null; until: Date | null }[] = await this.dataSource.query(
      `SELECT (SELECT p.epoch FROM slack_pacing p WHERE p.workspace_id = $1 AND p.method = $2) AS epoch,
              (SELECT max(s.until) FROM slack_pauses s
                WHERE s.workspace_id = $1 AND s.method = $2 AND s.until > $3) AS until`,
      [workspaceId, method, this.clock.now()],
    );
    return {
      pausedUntil: rows[0]?.until ? new Date(rows[0].until) : null,
      stale: (rows[0]?.epoch ?? 0) > epoch,
    };
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
   */
  pausedHere(workspaceId: string, method: string): Date | null {
    const until = this.pausesSeen.get(key(workspaceId, method));
    return until && until > this.clock.now().getTime() ? new Date(until) : null;
  }

  /**
   * Slack answered 429: records Retry-After (a longer pause already recorded wins), gives back
   * the refused call's slot and lowers the pace (see the top). Returns when the pause ends.
   */
  async pause(
    workspaceId: string,
    method: string,
    retryAfterSeconds: number,
    slot?: Date,
  ): Promise<Date> {
    const now = this.clock.now();
    const retryAfterMs = Math.max(1, retryAfterSeconds) * 1000;
    const k = key(workspaceId, method);
    const until = now.getTime() + retryAfterMs;
    if ((this.pausesSeen.get(k) ?? 0) < until) this.pausesSeen.set(k, until);
    const [row]: { until: Date; pace: number; changed: boolean; epoch: number }[] =
      await this.dataSource.query(
        `SELECT until, pace, changed, epoch
           FROM slack_limited($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          workspaceId,
          method,
          now,
          retryAfterMs,
          slot ?? null,
          this.ceiling(method),
          CALL_ALLOWANCE_MS,
          LEARNING.calmMs,
          LEARNING.beta,
          LEARNING.raise,
          LEARNING.capShare,
          LEARNING.decay,
          this.floor(method),
        ],
      );
    if ((this.epochsSeen.get(k) ?? 0) < row.epoch) this.epochsSeen.set(k, row.epoch);
    if (row.changed) this.announce(workspaceId, method, row.pace);
    return new Date(row.until);
  }

  /**
   * One Slack call of a job, paced: books a slot for each method the call makes, waits for it
   * when it is near (else gives it back and re-queues the job for it: RetryAt), and turns a 429
   * into a pause, a lower pace and RetryAt(end of Retry-After). Other errors are the caller's.
   */
  async paced<T>(workspaceId: string, methods: string[], call: () => Promise<T>): Promise<T> {
    const booked: { method: string; at: Date; epoch: number }[] = [];
    for (const method of methods) {
      const r = await this.reserve(workspaceId, method);
      if (r.pausedUntil) {
        await this.releaseAll(workspaceId, booked);
        throw new RetryAt(r.pausedUntil, `${method} rate limited`);
      }
      booked.push({ method, at: r.at, epoch: r.epoch });
    }
    const latest = Math.max(this.clock.now().getTime(), ...booked.map((b) => b.at.getTime()));
    const wait = latest - this.clock.now().getTime();
    if (wait > MAX_PACED_WAIT_MS) {
      await this.releaseAll(workspaceId, booked);
      throw new RetryAt(new Date(latest), `paced: ${methods.join(', ')}`);
    }
    if (wait > 0) await this.clock.sleep(wait);
    for (const b of booked) {
      const held = await this.heldSlot(workspaceId, b.method, b.epoch);
      if (held.pausedUntil || held.stale) {
        await this.releaseAll(workspaceId, booked);
        throw new RetryAt(held.pausedUntil ?? this.clock.now(), `${b.method} rate limited`);
      }
    }
    try {
      const [first] = booked;
      if (!first) return await call();
      const sent = await this.send(workspaceId, first.method, first.epoch, call);
      if ('done' in sent) return sent.done;
      await this.releaseAll(workspaceId, booked);
      throw new RetryAt(sent.held.pausedUntil ?? this.clock.now(), `${first.method} rate limited`);
    } catch (err) {
      if (!(err instanceof SlackCallError && err.kind === 'rate_limited')) throw err;
      const slot = booked.find((b) => b.method === err.method)?.at;
      const until = await this.pause(workspaceId, err.method, err.retryAfterSeconds ?? 1, slot);
      throw new RetryAt(until, `${err.method} rate limited`);
    }
  }

  /**
   * Makes a call whose slot was checked, in its turn (IN_FLIGHT_PER_METHOD); returns the pause
   * or the new epoch this process learnt while it waited for its turn instead of calling.
   */
  async send<T>(
    workspaceId: string,
    method: string,
    epoch: number,
    call: () => Promise<T>,
  ): Promise<{ done: T } | { held: HeldSlotCheck }> {
    const k = key(workspaceId, method);
    const turns = this.inFlight.get(k) ?? { running: 0, waiting: [] };
    this.inFlight.set(k, turns);
    if (turns.running >= IN_FLIGHT_PER_METHOD) {
      await new Promise<void>((resolve) => turns.waiting.push(resolve));
    } else {
      turns.running++;
    }
    try {
      const held = this.checkHere(workspaceId, method, epoch);
      if (held.pausedUntil || held.stale) return { held };
      return { done: await call() };
    } finally {
      const next = turns.waiting.shift();
      if (next) next();
      else if (--turns.running === 0) this.inFlight.delete(k);
    }
  }

  /** The tier's share the pacer books while calm; null for methods without a tier. */
  private ceiling(method: string): number | null {
    const perMinute = this.config.slack.methodRates[method];
    return perMinute ? Math.max(1, Math.floor(perMinute * PACE_SHARE)) : null;
  }

  /**
   * The slowest pace the pacer learns for the method (LEARNING.min, LEARNING.tierFloor): a
   * share of what Slack publishes for it, or of the pace it books while calm when that is lower.
   * Not of a SLACK_METHOD_RATES above the published tier: that is the operator's word, not
   * Slack's promise, and the pacer must still be able to learn below it.
   */
  private floor(method: string): number {
    const published = SLACK_TIER_RATES[method] ?? SLACK_BOT_TIER_RATES[method] ?? 0;
    const tier = Math.min(published, this.ceiling(method) ?? published);
    return Math.max(LEARNING.min, tier * LEARNING.tierFloor);
  }

  private checkHere(workspaceId: string, method: string, epoch: number): HeldSlotCheck {
    return {
      pausedUntil: this.pausedHere(workspaceId, method),
      stale: (this.epochsSeen.get(key(workspaceId, method)) ?? 0) > epoch,
    };
  }

  private async releaseAll(workspaceId: string, booked: { method: string; at: Date }[]) {
    for (const b of booked) await this.release(workspaceId, b.method, b.at);
  }

  private announce(workspaceId: string, method: string, pace: number | null): void {
    this.logger.log({
      msg: pace === null ? 'slack pace: back to the tier' : 'slack pace learnt',
      method,
      workspaceId,
      perMinute: pace === null ? this.ceiling(method) : Math.round(pace * 10) / 10,
    });
  }
}

function key(workspaceId: string, method: string): string {
  return `${workspaceId}:${method}`;
}
