/** Queue names of the story feature, and the data each job carries. */
export const STORIES_QUEUES = {
  /**
   * Posts a workspace's stories that HR has not seen yet (new, or reported) to the HR channel.
   * Its data names the workspace only: the job queued with an anonymous story never names a story
   * or a person, so the queue holds nothing that ties a story to when or by whom it was written.
   */
  announce: 'stories.announce',
  /** Tells a named story's author the outcome of the review, by DM. */
  outcome: 'stories.outcome',
  /** Hourly: claims each workspace's digest of the last completed ISO week (once) and queues it. */
  digestTick: 'stories.digest-tick',
  /** Posts one workspace's digest of one ISO week. */
  digestPost: 'stories.digest-post',
} as const;

export interface WorkspaceJob {
  workspaceId: string;
}

export interface OutcomeJob {
  storyId: string;
  outcome: 'published' | 'rejected';
}

export interface DigestJob {
  workspaceId: string;
  week: string;
}
