import { Activity } from './activity';

/** A piece of work the test ends by hand. */
function work(): { promise: Promise<void>; end: () => void } {
  let end!: () => void;
  const promise = new Promise<void>((resolve) => (end = resolve));
  return { promise, end };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('Activity', () => {
  it('is settled at once when nothing is in progress', async () => {
    expect(await new Activity().settled(1_000)).toBe(true);
  });

  it('waits for work in progress, and for work started as the last one ended', async () => {
    const activity = new Activity();
    const poll = work();
    const handler = work();
    // A poll whose result starts a handler a few callbacks after its end, as a queue's worker
    // does (its fetch returns, it hands the jobs on, the handler starts).
    void activity
      .track(() => poll.promise)
      .then(async () => {
        for (let hop = 0; hop < 5; hop++) await Promise.resolve();
        return activity.track(() => handler.promise);
      });
    let settled: boolean | undefined;
    void activity.settled(10_000).then((s) => (settled = s));
    await turn();
    expect(settled).toBeUndefined();
    poll.end();
    await turn();
    await turn();
    expect(activity.inProgress).toBe(1);
    expect(settled).toBeUndefined();
    handler.end();
    await turn();
    await turn();
    expect(settled).toBe(true);
    expect(activity.inProgress).toBe(0);
  });

  it('gives up when work outlasts the timeout', async () => {
    const activity = new Activity();
    const stuck = work();
    void activity.track(() => stuck.promise);
    expect(await activity.settled(1)).toBe(false);
    stuck.end();
    expect(await activity.settled(1_000)).toBe(true);
  });
});
