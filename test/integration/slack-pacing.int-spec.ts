/**
 * The pacer on the test database: slots of one method in one workspace never exceed Slack's
 * tier in any 60-second window, however many replicas ask at once; a wave under the tier goes
 * at once; a 429 pause books nothing; other methods and workspaces have slots of their own.
 */
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/config';
import {
  CALL_ALLOWANCE_MS,
  LATE_MARGIN_MS,
  LEARNING,
  Reservation,
  SlackRateGate,
} from '../../src/slack/slack-rate-gate';
import { acquireTestDatabase, TestDatabase } from '../support/test-database';
import { TestClock } from '../support/test-clock';

/** The most slots in any window of `windowMs` (slots sorted). */
function busiestWindow(slots: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; j < slots.length; j++) {
    while (slots[j] - slots[i] >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

/** The booked time (the test fails here if the booking was refused). */
function slot(r: Reservation): number {
  if (r.pausedUntil) throw new Error(`paused until ${r.pausedUntil.toISOString()}`);
  return r.at.getTime();
}

describe('SlackRateGate pacing', () => {
  let db: TestDatabase;
  let replicas: DataSource[];
  let clock: TestClock;
  let gates: SlackRateGate[];
  let workspaceA: string;
  let workspaceB: string;

  beforeAll(async () => {
    db = await acquireTestDatabase();
    replicas = [0, 1].map(
      () => new DataSource({ type: 'postgres', url: db.url, extra: { max: 5 } }),
    );
    await Promise.all(replicas.map((r) => r.initialize()));
    clock = new TestClock('2026-11-25T09:00:00Z');
    const config = loadConfig({ SLACK_METHOD_RATES: 'users.profile.set=600' });
    gates = replicas.map((r) => new SlackRateGate(r, clock, config));
    [workspaceA, workspaceB] = await Promise.all(
      ['TPACEA', 'TPACEB'].map(async (team) => {
        const [row] = await replicas[0].query(
          `INSERT INTO workspaces (slack_team_id, name) VALUES ($1, $1) RETURNING id`,
          [team],
        );
        return row.id as string;
      }),
    );
  });

  afterAll(async () => {
    await Promise.all((replicas ?? []).map((r) => r.destroy()));
    await db?.release();
  });

  it('gives 1,000 concurrent callers on two replicas slots that never exceed the tier in any minute', async () => {
    const start = clock.now().getTime();
    const slots = (
      await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          gates[i % 2].reserve(workspaceA, 'users.profile.set'),
        ),
      )
    )
      .map(slot)
      .sort((a, b) => a - b);
    // 97 % of the minute's 600 go at once; the rest a minute after the latest moment the calls
    // they follow may be made (the slot's allowance), so a first-wave call that reaches Slack
    // late still falls outside the second wave's minute.
    expect(slots.filter((t) => t === start)).toHaveLength(582);
    expect(busiestWindow(slots, 60_000)).toBe(582);
    expect(slots[582]).toBeGreaterThanOrEqual(start + 60_000 + CALL_ALLOWANCE_MS);
    expect(slots[slots.length - 1]).toBeLessThan(start + 61_000 + CALL_ALLOWANCE_MS);
    expect(busiestWindow(slots, 60_000)).toBeLessThanOrEqual(600);
  });

  it('keeps other methods and other workspaces apart, and books nothing during a 429 pause', async () => {
    const now = clock.now().getTime();
    // users.profile.set of workspace A is booked a minute ahead; these are not.
    expect(slot(await gates[0].reserve(workspaceB, 'users.profile.set'))).toBe(now);
    expect(slot(await gates[1].reserve(workspaceA, 'users.profile.get'))).toBe(now);
    // An unpaced method is never held back.
    expect(slot(await gates[0].reserve(workspaceA, 'chat.postMessage'))).toBe(now);
    const until = await gates[0].pause(workspaceB, 'users.profile.get', 30);
    const refused = await gates[1].reserve(workspaceB, 'users.profile.get');
    expect(refused.pausedUntil?.getTime()).toBe(until.getTime());
    clock.advance(30_001);
    expect(slot(await gates[1].reserve(workspaceB, 'users.profile.get'))).toBe(
      clock.now().getTime(),
    );
  });

  it('books a call prepared ahead for its moment, counted in that moment’s minute', async () => {
    const now = clock.now().getTime();
    const ahead = new Date(now + 2_000);
    const booked = await gates[0].reserve(workspaceB, 'dnd.endSnooze', ahead);
    expect(slot(booked)).toBe(ahead.getTime());
    // A moment already past books now.
    expect(slot(await gates[1].reserve(workspaceB, 'dnd.endSnooze', new Date(now - 5_000)))).toBe(
      now,
    );
    // The allowance: a slot is good until CALL_ALLOWANCE_MS after it (less a margin for the
    // request to leave), then must be booked again.
    const deadline = CALL_ALLOWANCE_MS - LATE_MARGIN_MS;
    expect(gates[0].late(new Date(now - deadline))).toBe(false);
    expect(gates[0].late(new Date(now - deadline - 1))).toBe(true);
  });

  it('keeps counting a minute’s calls when a call is booked ahead for a later moment', async () => {
    const gate = new SlackRateGate(replicas[0], clock, loadConfig({}));
    // Past every window the earlier tests filled, and past what workspace B's users.profile.get
    // learnt from the 429 of an earlier test (calm again: the tier's window holds).
    clock.advance(LEARNING.calmMs + 60_000);
    const start = clock.now().getTime();
    // users.profile.get's tier here is 100 a minute: 97 go now.
    const wave = await Promise.all(
      Array.from({ length: 97 }, () => gate.reserve(workspaceB, 'users.profile.get')),
    );
    expect(wave.map(slot).every((t) => t === start)).toBe(true);
    clock.advance(60_000);
    // A start prepared 2 s ahead books for its moment; the minute's window is still the real one.
    const ahead = await gate.reserve(
      workspaceB,
      'users.profile.get',
      new Date(clock.now().getTime() + 2_000),
    );
    expect(slot(ahead)).toBeGreaterThanOrEqual(start + 60_000 + CALL_ALLOWANCE_MS);
    // A call booked now still follows the first wave by a minute from its latest moment.
    const now = await gate.reserve(workspaceB, 'users.profile.get');
    expect(slot(now)).toBeGreaterThanOrEqual(start + 60_000 + CALL_ALLOWANCE_MS);
  });

  it('tells the replica that drew a 429 at once, from memory; other replicas read the pause', async () => {
    expect(gates[0].pausedHere(workspaceA, 'dnd.setSnooze')).toBeNull();
    const until = await gates[0].pause(workspaceA, 'dnd.setSnooze', 5);
    expect(gates[0].pausedHere(workspaceA, 'dnd.setSnooze')?.getTime()).toBe(until.getTime());
    expect(gates[0].pausedHere(workspaceB, 'dnd.setSnooze')).toBeNull();
    expect(gates[1].pausedHere(workspaceA, 'dnd.setSnooze')).toBeNull();
    expect((await gates[1].pausedUntil(workspaceA, ['dnd.setSnooze']))?.getTime()).toBe(
      until.getTime(),
    );
    clock.advance(5_001);
    expect(gates[0].pausedHere(workspaceA, 'dnd.setSnooze')).toBeNull();
  });

  it('frees the window as the minute passes', async () => {
    clock.advance(10 * 60_000);
    const now = clock.now().getTime();
    const first = (
      await Promise.all(
        Array.from({ length: 600 }, () => gates[1].reserve(workspaceA, 'users.profile.set')),
      )
    ).map(slot);
    expect(first.filter((t) => t === now)).toHaveLength(582);
    clock.advance(30_000);
    // Half a minute later the window is still full: the next slot is after the first wave.
    expect(slot(await gates[0].reserve(workspaceA, 'users.profile.set'))).toBeGreaterThanOrEqual(
      now + 60_000,
    );
  });

  it('lets a team of 19 start focus at once under Slack’s real tier 2 (20 a minute), not the 20th', async () => {
    const gate = new SlackRateGate(replicas[0], clock, loadConfig({}));
    const now = clock.now().getTime();
    const slots = [];
    for (let i = 0; i < 20; i++) slots.push(slot(await gate.reserve(workspaceB, 'dnd.setSnooze')));
    expect(slots.slice(0, 19).every((t) => t === now)).toBe(true);
    expect(slots[19]).toBeGreaterThanOrEqual(now + 60_000);
  });
});
