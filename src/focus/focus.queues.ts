/** Queue names of focus sync; each job carries the block id. */
export const FOCUS_QUEUES = {
  /** At a block's start: keep the agent's status, set the focus status, snooze notifications. */
  start: 'focus.start',
  /** At a block's end (or "End now"): end the snooze, restore the kept status (compare-and-set). */
  end: 'focus.end',
  /** An agent connected Slack: a block already running starts syncing now. */
  connected: 'focus.connected',
} as const;

export interface FocusConnectedJob {
  personId: string;
}

export interface FocusJob {
  blockId: string;
  /** A pacing slot this job already holds (SlackRateGate.reserve), used by its next call. */
  slot?: { method: string; at: string };
}
