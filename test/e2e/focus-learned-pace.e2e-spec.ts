/**
 * Pacing that learns, end to end: the workspace enforces users.profile.set as a token bucket of
 * 80 a minute with a burst of 5 — a burst the app is not told of — and sixty agents type
 * `/focus 20m` within a second. The first wave is refused after its burst; from then on the
 * pacer spreads the calls evenly at the pace it learnt, every status is set within 90 s, and no
 * call is made inside a Retry-After window.
 *
 * Real time (the limit is Slack's, the wait is the pace's): about 45 s of it.
 */
import { eventually } from '../support/eventually';
import { connectFocusTokens, pulseWorld, PulseWorld, slashCommand } from '../support/pulse-world';

const AGENTS = 60;
const LIMIT = { perMinute: 80, burst: 5 };

describe('/focus against a limit the app learns', () => {
  let w: PulseWorld;

  beforeAll(async () => {
    w = await pulseWorld(
      { desk: AGENTS },
      // The rate is the workspace's (as an Enterprise Grid admin would configure it); the
      // burst it refuses is not known to the app.
      { app: { env: { SLACK_METHOD_RATES: `users.profile.set=${LIMIT.perMinute}` } } },
    );
    await connectFocusTokens(w, w.members.desk);
  });

  afterAll(async () => {
    await w?.close();
  });

  it('sets sixty statuses within 90 s, never calling inside a Retry-After window', async () => {
    w.slack.setHiddenLimit('users.profile.set', LIMIT);
    // A call that reaches Slack within 250 ms of a 429 was sent before the app could read it (a
    // loaded machine reads late): on its way, not ignoring it. Later ones are violations.
    w.slack.setInFlightAllowance(250);
    w.slack.clearCalls();
    const replies = await Promise.all(
      w.members.desk.map((user) =>
        slashCommand(w, { command: '/focus', text: '20m', userId: user }),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(AGENTS).fill(200));

    const statusSet = () =>
      new Set(
        w.slack
          .calls('users.profile.set')
          .filter((c) => c.status === 200 && !c.error)
          .map((c) => c.token),
      ).size;
    await eventually(() => statusSet() === AGENTS, {
      what: () => `all ${AGENTS} statuses set (${statusSet()} so far)`,
      timeoutMs: 90_000,
    });
    for (const user of w.members.desk) {
      expect(w.slack.user(user)!.profile.status_text).not.toBe('');
    }
    // The first wave was refused after its burst (the app could not know it)…
    const refused = w.slack.calls('users.profile.set').filter((c) => c.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    // …and from then on the app waited out every Retry-After and paced under the limit.
    expect(w.slack.rateLimitViolations()).toEqual([]);
    // The wave stopped at the first 429: the calls refused were the few on their way (the app
    // sends a method's calls a turn of 8 at a time), not the rest of the wave (55).
    expect(refused.length).toBeLessThanOrEqual(20);
    const firstRefusal = refused[0].at;
    expect(refused.filter((c) => c.at > firstRefusal + 5_000)).toEqual([]);
  }, 150_000);
});
