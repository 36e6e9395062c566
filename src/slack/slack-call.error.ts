/**
 * A failed Slack Web API call, reduced to what callers decide on: rate limited (wait
 * `retryAfterSeconds` for this method in this workspace), a platform error (`slackError`, e.g.
 * `invalid_auth`: retrying will not help), or transient (HTTP 5xx, network: retry with backoff).
 */
export type SlackCallErrorKind = 'rate_limited' | 'platform' | 'transient';

export class SlackCallError extends Error {
  constructor(
    readonly method: string,
    readonly kind: SlackCallErrorKind,
    readonly slackError: string | undefined,
    readonly retryAfterSeconds?: number,
    readonly httpStatus?: number,
  ) {
    super(
      kind === 'rate_limited'
        ? `Slack rate-limited ${method}; retry after ${retryAfterSeconds}s`
        : kind === 'platform'
          ? `Slack refused ${method}: ${slackError}`
          : `Slack ${method} failed${httpStatus ? ` with HTTP ${httpStatus}` : ''}: ${slackError ?? 'network error'}`,
    );
    this.name = 'SlackCallError';
  }

  get retryable(): boolean {
    return this.kind !== 'platform';
  }
}
