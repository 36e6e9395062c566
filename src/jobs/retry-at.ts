/**
 * The one way a job says "not now: run me again at this instant" (a Slack 429's Retry-After, a
 * pacing slot later than the job can wait for, a lease another run holds). Thrown from a
 * handler; JobsService re-queues the job for `at` on the injected Clock, with the same
 * singleton key, and completes this run. Nothing failed, so no retry is used up.
 */
export class RetryAt extends Error {
  constructor(
    readonly at: Date,
    readonly reason: string,
    /** What the next run needs instead of this run's data (e.g. the pacing slots it holds). */
    readonly next: { data?: object; priority?: number } = {},
  ) {
    super(`retry at ${at.toISOString()}: ${reason}`);
    this.name = 'RetryAt';
  }
}
