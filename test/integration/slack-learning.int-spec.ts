/**
 * The pacer learning a limit it is not told of, against the Slack stand-in enforcing a hidden
 * token bucket (rate a minute, small burst) below, at and above the tier the app is configured
 * with. A caller books a slot, waits for it on the test clock, calls Slack through the app's
 * own gateway and reports a 429 — as the focus sync does, one call at a time, so the minutes
 * simulated here take seconds.
 */
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/config';
import { SlackCallError } from '../../src/slack/slack-call.error';
import { SlackGateway } from '../../src/slack/slack-gateway';
import {
  CALL_ALLOWANCE_MS,
  LEARNING,
  MAX_PACED_WAIT_MS,
  SlackRateGate,
} from '../../src/slack/slack-rate-gate';
import { SlackStandIn } from '../support/slack-stand-in';
import { TestClock } from '../support/test-clock';
import { acquireTestDatabase, TestDatabase } from '../support/test-database';

const TEAM = 'TLEARN';
const METHOD = 'users.profile.set';
/** The tier the app is told (SLACK_METHOD_RATES); it books 97 % of it while calm. */
const TIER = 120;
const CEILING = Math.floor(TIER * 0.97);
const BURST = 5;

interface Run {
  /** Clock times (ms) of the calls Slack carried out. */
  ok: number[];
  /** Clock times of the 429s. */
  limited: number[];
}

describe('SlackRateGate learning a hidden limit', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let slack: SlackStandIn;
  let clock: TestClock;
  let gate: SlackRateGate;
  let gateway: SlackGateway;
  let token: string;
  let log: jest.SpyInstance;

  beforeAll(async () => {
    db = await acquireTestDatabase();
    dataSource = new DataSource({ type: 'postgres', url: db.url, extra: { max: 3 } });
    await dataSource.initialize();
    clock = new TestClock('2026-11-25T09:00:00Z');
    slack = await SlackStandIn.start({ now: clock.nowMs });
    slack.addTeam({ id: TEAM, name: 'Learning' });
    slack.addUser({ id: 'UAGENT', teamId: TEAM, name: 'agent' });
    token = slack.issueUserToken(TEAM, 'UAGENT');
    const config = loadConfig({
      SLACK_METHOD_RATES: `${METHOD}=${TIER}`,
      SLACK_API_URL: slack.apiUrl,
    });
    gate = new SlackRateGate(dataSource, clock, config);
    gateway = new SlackGateway(config);
  });

  beforeEach(() => {
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => log.mockRestore());

  afterAll(async () => {
    await slack?.stop();
    await dataSource?.destroy();
    await db?.release();
  });

  async function newWorkspace(): Promise<string> {
    const [row] = await dataSource.query(
      `INSERT INTO workspaces (slack_team_id, name) VALUES ($1, $1) RETURNING id`,
      [`T${Math.random().toString(36).slice(2, 10)}`],
    );
    return row.id as string;
  }

  /**
   * users.profile.set calls, each at its slot, until `calls` are carried out (or `done` says
   * so); a 429 is reported and booked again.
   */
  async function drive(workspaceId: string, calls: number | ((run: Run) => boolean)): Promise<Run> {
    const run: Run = { ok: [], limited: [] };
    const done = typeof calls === 'number' ? (r: Run) => r.ok.length >= calls : calls;
    while (!done(run)) {
      const booked = await gate.reserve(workspaceId, METHOD);
      if (booked.pausedUntil) {
        clock.set(booked.pausedUntil);
        continue;
      }
      if (booked.at > clock.now()) clock.set(booked.at);
      try {
        await gateway.setProfileStatus(token, {
          status_text: 'Heads-down',
          status_emoji: ':no_bell:',
          status_expiration: 0,
        });
        run.ok.push(clock.now().getTime());
      } catch (err) {
        if (!(err instanceof SlackCallError && err.kind === 'rate_limited')) throw err;
        run.limited.push(clock.now().getTime());
        await gate.pause(workspaceId, METHOD, err.retryAfterSeconds ?? 1, booked.at);
      }
    }
    return run;
  }

  /** Calls per minute over the last `minutes` of the run. */
  function rateOverLast(run: Run, minutes: number): number {
    const end = run.ok[run.ok.length - 1];
    return run.ok.filter((t) => t > end - minutes * 60_000).length / minutes;
  }

  function learntPaces(): string[] {
    return log.mock.calls
      .map(([entry]) => entry as { msg?: string; perMinute?: number })
      .filter((e) => e.msg?.startsWith('slack pace'))
      .map((e) => `${e.msg} ${e.perMinute}`);
  }

  beforeEach(() => {
    slack.clearRateLimits();
    slack.clearCalls();
  });

  it('below the tier (0.4×): the first burst is refused, then it converges under the real limit', async () => {
    const real = TIER * 0.4;
    slack.setHiddenLimit(METHOD, { perMinute: real, burst: BURST });
    const workspaceId = await newWorkspace();
    const start = clock.now().getTime();
    const run = await drive(workspaceId, Math.round(real * 8));
    // A wave at the tier, refused after the burst, at the start.
    expect(run.limited[0]).toBe(start);
    // Converged: at least 90 % of the real rate over the last three minutes, and 429s rare.
    expect(rateOverLast(run, 3)).toBeGreaterThanOrEqual(0.9 * real);
    expect(rateOverLast(run, 3)).toBeLessThanOrEqual(real * 1.01);
    const lateLimits = run.limited.filter((t) => t > run.ok[run.ok.length - 1] - 3 * 60_000);
    expect(lateLimits.length).toBeLessThanOrEqual(2);
    // A handful in all: the refused wave, the halvings, a probe of the relaxing cap.
    expect(run.limited.length).toBeLessThanOrEqual(10);
    // Never a call inside a Retry-After window.
    expect(slack.rateLimitViolations()).toEqual([]);
    // One line per change of the learnt pace, never per call.
    expect(learntPaces().length).toBeGreaterThanOrEqual(2);
    expect(learntPaces().length).toBeLessThan(run.ok.length / 20);
  });

  it('at the tier: the refused burst switches to an even pace that Slack accepts, without waiting a minute', async () => {
    slack.setHiddenLimit(METHOD, { perMinute: TIER, burst: BURST });
    const workspaceId = await newWorkspace();
    const start = clock.now().getTime();
    const run = await drive(workspaceId, TIER * 4);
    expect(run.limited).toEqual([start]);
    // The refused call did not use the window: the backlog resumed right after Retry-After
    // (1 s), at the learnt pace, not a minute later.
    expect(run.ok[BURST]).toBeLessThanOrEqual(start + 2_000);
    expect(rateOverLast(run, 3)).toBeGreaterThanOrEqual(0.9 * TIER);
    expect(slack.rateLimitViolations()).toEqual([]);
    expect(learntPaces()).toEqual([`slack pace learnt ${Math.round(CEILING * 0.95 * 10) / 10}`]);
  });

  it('above the tier (2×): one refused burst, then the tier evenly, with no more 429s', async () => {
    slack.setHiddenLimit(METHOD, { perMinute: TIER * 2, burst: BURST });
    const workspaceId = await newWorkspace();
    const run = await drive(workspaceId, TIER * 3);
    expect(run.limited).toHaveLength(1);
    expect(rateOverLast(run, 2)).toBeGreaterThanOrEqual(0.9 * CEILING);
    expect(slack.rateLimitViolations()).toEqual([]);
  });

  it('forgets what it learnt after a calm stretch: the tier’s wave goes at once again', async () => {
    const real = TIER * 0.4;
    slack.setHiddenLimit(METHOD, { perMinute: real, burst: BURST });
    const workspaceId = await newWorkspace();
    await drive(workspaceId, real * 3);
    // Learning: calls are spread, not a wave.
    const spread = await Promise.all(
      Array.from({ length: 5 }, () => gate.reserve(workspaceId, METHOD)),
    );
    const spreadAt = spread.map((r) => r.at!.getTime()).sort((a, b) => a - b);
    expect(spreadAt[4] - spreadAt[0]).toBeGreaterThanOrEqual((4 * 60_000) / (real * 1.25));

    clock.advance(LEARNING.calmMs + 60_000);
    log.mockClear();
    const now = clock.now().getTime();
    const wave = await Promise.all(
      Array.from({ length: CEILING }, () => gate.reserve(workspaceId, METHOD)),
    );
    expect(wave.every((r) => r.at?.getTime() === now)).toBe(true);
    expect(learntPaces()).toEqual([`slack pace: back to the tier ${CEILING}`]);
  });

  it('gives a slot back to the even spacing when its job re-queues for it instead of waiting', async () => {
    // A bot method learning from a 429 on a wave of 8 (a DM round's first turn of calls): one
    // without a published tier, so its pace is the wave's (conversations.open's floor, a
    // quarter of its tier, would put the pace above the window the wave fills).
    const method = 'users.info';
    const workspaceId = await newWorkspace();
    const wave = await Promise.all(
      Array.from({ length: 8 }, () => gate.reserve(workspaceId, method)),
    );
    const pauseEnd = (await gate.pause(workspaceId, method, 1, wave[0].at)).getTime();
    const [{ pace }] = await dataSource.query(
      `SELECT pace FROM slack_pacing WHERE workspace_id = $1 AND method = $2`,
      [workspaceId, method],
    );
    const spacing = 60_000 / pace;
    // Twenty DM jobs due at the pause's end, as SlackRateGate.paced runs them: a slot within
    // MAX_PACED_WAIT_MS is waited for and used; a later one is given back and the job re-queued
    // for it, to book again then.
    let due = Array.from({ length: 20 }, () => pauseEnd);
    const made: number[] = [];
    for (let round = 0; due.length > 0 && round < 200; round++) {
      const now = Math.min(...due);
      clock.set(new Date(now));
      const later = due.filter((t) => t > now);
      for (let n = due.filter((t) => t <= now).length; n > 0; n--) {
        const r = await gate.reserve(workspaceId, method);
        if (r.pausedUntil) {
          later.push(r.pausedUntil.getTime());
        } else if (r.at.getTime() - now > MAX_PACED_WAIT_MS) {
          await gate.release(workspaceId, method, r.at);
          later.push(r.at.getTime());
        } else {
          made.push(r.at.getTime());
        }
      }
      due = later;
    }
    // All made: the first once the wave's minute has passed (its calls fill the learnt pace's
    // window), the rest evenly spaced after it — the given-back slots were booked again.
    expect(made).toHaveLength(20);
    made.sort((a, b) => a - b);

    expect(made[0]).toBeLessThanOrEqual(wave[0].at!.getTime() + 60_000 + CALL_ALLOWANCE_MS + 1);
    expect(made[19] - made[0]).toBeLessThanOrEqual(20 * spacing);
    for (let i = 1; i < 20; i++)
      expect(made[i] - made[i - 1]).toBeGreaterThanOrEqual(spacing * 0.9);
  });

  it('429s that are not about the pace (Slack in an incident): the pace stays at a quarter of the tier or more, and the backlog goes on at it after the storm', async () => {
    const workspaceId = await newWorkspace();
    const start = clock.now().getTime();
    const stormEnds = start + 3 * 60_000;
    // Every other call refused for three minutes, whatever the pace.
    let n = 0;
    slack.storm({
      methods: [METHOD],
      until: stormEnds,
      pick: () => (n++ % 2 === 1 ? { retryAfter: 1 } : undefined),
    });
    // The floor: a quarter of users.profile.set's published tier (Tier 3: 50 a minute), which
    // is under the rate configured here (LEARNING.tierFloor).
    const floor = 50 / 4;
    const run = await drive(workspaceId, () => clock.now().getTime() >= stormEnds + 60_000);
    // Every 429 of the storm lowered the pace (none came inside a pause), down to the floor.
    expect(run.limited.length).toBeGreaterThan(10);
    const paces = learntPaces().map((line) => Number(line.split(' ').pop()));
    expect(paces.length).toBeGreaterThan(1);
    expect(Math.min(...paces)).toBeGreaterThanOrEqual(Math.floor(floor * 10) / 10);
    // In the storm's last two minutes, calls at the floor at least, half of them refused…
    const inStorm = run.ok.filter((t) => t >= start + 60_000 && t < stormEnds).length;
    expect(inStorm).toBeGreaterThanOrEqual(Math.floor(floor) - 1);
    // …and, after it, the backlog at the floor or faster: not one call a minute.
    const after = run.ok.filter((t) => t >= stormEnds && t < stormEnds + 60_000).length;
    expect(after).toBeGreaterThanOrEqual(Math.floor(floor) - 1);
    expect(slack.rateLimitViolations()).toEqual([]);
  });

  it('a rate configured far above what the workspace allows: learns under a quarter of it, down to the real limit', async () => {
    // 20 a minute against the 120 configured (the floor is a quarter of the published 50).
    const real = 20;
    slack.setHiddenLimit(METHOD, { perMinute: real, burst: BURST });
    const workspaceId = await newWorkspace();
    const run = await drive(workspaceId, real * 8);
    // Over three minutes Slack allows the real rate and one burst.
    expect(rateOverLast(run, 3)).toBeLessThanOrEqual(real + BURST / 3);
    expect(rateOverLast(run, 3)).toBeGreaterThanOrEqual(0.85 * real);
    const lateLimits = run.limited.filter((t) => t > run.ok[run.ok.length - 1] - 3 * 60_000);
    expect(lateLimits.length).toBeLessThanOrEqual(2);
    expect(slack.rateLimitViolations()).toEqual([]);
  });

  it('a bot method (no pace while calm) learns no slower than a quarter of its published tier', async () => {
    const method = 'conversations.open';
    const workspaceId = await newWorkspace();
    // Refused again and again, each call after the previous Retry-After.
    for (let i = 0; i < 6; i++) {
      const booked = await gate.reserve(workspaceId, method);
      if (booked.at! > clock.now()) clock.set(booked.at!);
      clock.set(await gate.pause(workspaceId, method, 1, booked.at));
    }
    const [{ pace }] = await dataSource.query(
      `SELECT pace FROM slack_pacing WHERE workspace_id = $1 AND method = $2`,
      [workspaceId, method],
    );
    // conversations.open is Tier 3: 50 a minute.
    expect(pace).toBe(50 / 4);
  });

  it('lets the cap it learnt relax, so a limit that was raised is found again', async () => {
    slack.setHiddenLimit(METHOD, { perMinute: TIER * 0.4, burst: BURST });
    const workspaceId = await newWorkspace();
    await drive(workspaceId, TIER * 0.4 * 4);
    const before = rateOverLast(await drive(workspaceId, TIER * 0.4), 1);
    // Slack raises the limit to the tier. Ten quiet minutes later (still within the calm
    // period: no wave at the tier yet), the pace learnt has risen past the old limit.
    slack.setHiddenLimit(METHOD, { perMinute: TIER, burst: BURST });
    clock.advance(10 * 60_000);
    const after = await drive(workspaceId, TIER);
    expect(rateOverLast(after, 1)).toBeGreaterThan(before * 1.1);
    expect(slack.rateLimitViolations()).toEqual([]);
  });
});
