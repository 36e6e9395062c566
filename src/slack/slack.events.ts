/**
 * Events about the Slack side of a person or workspace, emitted (JobsService.emit) in the
 * transaction that records them. Features subscribe with
 * `@Job({ queue, on: [SLACK_EVENTS.userConnected] })`; the emitter never names them.
 */
export const SLACK_EVENTS = {
  /** An agent connected their Slack account (their user token is stored). */
  userConnected: 'slack.user-connected',
} as const;

export interface SlackUserConnected {
  workspaceId: string;
  /** The person, as people/ stores them. */
  personId: string;
}
