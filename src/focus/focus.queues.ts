/** Queue names of focus sync; each job carries the block id. */
export const FOCUS_QUEUES = {
  /** At a block's start: keep the agent's status, set the focus status, snooze notifications. */
  start: 'focus.start',
  /** At a block's end (or "End now"): end the snooze, restore the kept status (compare-and-set). */
  end: 'focus.end',
  /** An agent connected Slack: a block already running starts syncing now. */
  connected: 'focus.connected',
  /** Hourly cron: one retention job per workspace. */
  retentionTick: 'focus.retention-tick',
  /** A workspace's ended weeks rolled up, then its blocks past retention deleted. */
  retention: 'focus.retention',
} as const;

export interface FocusRetentionJobData {
  workspaceId: string;
}

/**
 * A block's start job is due this long before the block: the sync books its first calls for
 * the start and waits there (FocusSyncService.waitForStart), so the queue's polling, the lease
 * and the reads are done by the time the block starts.
 */
export const START_AHEAD_MS = 2_000;

/** When a block's start job is due. */
export function startJobAfter(startsAt: Date): Date {
  return new Date(startsAt.getTime() - START_AHEAD_MS);
}

export interface HeldSlot {
  method: string;
  at: string;
  /** The pace epoch it was booked at (SlackRateGate); absent in jobs of earlier releases. */
  epoch?: number;
}

export interface FocusJobData {
  blockId: string;
  /**
   * Pacing slots this job already holds (SlackRateGate.reserve), used by its next calls. (Jobs
   * queued by the previous release carry `slot`, booked without an allowance: it is ignored, and
   * the call books again.)
   */
  slots?: HeldSlot[];
}
