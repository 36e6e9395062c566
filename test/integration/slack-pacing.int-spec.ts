/**
 * The pacer on the test database: slots of one method in one workspace never exceed Slack's
 * tier in any 60-second window, however many replicas ask at once; the steady pace stays
 * within a few percent of the tier; other methods and workspaces have slots of their own.
 */
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/config';
import { SlackRateGate } from '../../src/slack/slack-rate-gate';
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
      .map((d) => d.getTime())
      .sort((a, b) => a - b);
    expect(slots[0]).toBe(start);
    // A small burst at once (4 % of the tier), then the steady pace.
    expect(slots.filter((t) => t === start)).toHaveLength(24);
    expect(busiestWindow(slots, 60_000)).toBeLessThanOrEqual(600);
    // The steady pace is 96 % of the tier: 1,000 slots take about 1000/576 minutes.
    const minutes = (slots[slots.length - 1] - start) / 60_000;
    expect(minutes).toBeGreaterThan((1000 - 24) / 600);
    expect(minutes).toBeLessThan((1000 - 24) / 570);
  });

  it('keeps other methods and other workspaces apart', async () => {
    const now = clock.now().getTime();
    // users.profile.set of workspace A is booked for minutes ahead; these are not.
    expect((await gates[0].reserve(workspaceB, 'users.profile.set')).getTime()).toBe(now);
    expect((await gates[1].reserve(workspaceA, 'users.profile.get')).getTime()).toBe(now);
    // An unpaced method is never held back.
    expect((await gates[0].reserve(workspaceA, 'chat.postMessage')).getTime()).toBe(now);
  });

  it('starts afresh once the booked slots are in the past', async () => {
    clock.advance(10 * 60_000);
    const now = clock.now().getTime();
    const slots = await Promise.all(
      Array.from({ length: 30 }, () => gates[1].reserve(workspaceA, 'users.profile.set')),
    );
    expect(slots.filter((d) => d.getTime() === now)).toHaveLength(24);
    expect(Math.max(...slots.map((d) => d.getTime()))).toBeGreaterThan(now);
  });

  it('paces Slack’s real tier 2 one call every ~3 s when nothing overrides it', async () => {
    const gate = new SlackRateGate(replicas[0], clock, loadConfig({}));
    const now = clock.now().getTime();
    const slots = [];
    for (let i = 0; i < 3; i++)
      slots.push((await gate.reserve(workspaceB, 'dnd.setSnooze')).getTime());
    expect(slots[0]).toBe(now);
    expect(slots[1] - slots[0]).toBeCloseTo(60_000 / (20 * 0.96), -1);
    expect(slots[2] - slots[1]).toBeCloseTo(60_000 / (20 * 0.96), -1);
  });
});
