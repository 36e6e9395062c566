import type { DecidedVia, ReviewOutcome } from './stories.types';

/** Queue names of the story feature, and the data each job carries. */
export const STORIES_QUEUES = {
  /**
   * Posts a workspace's stories that HR has not seen yet (new, or reported) to the HR channel.
   * Its data names the workspace only: the job queued with an anonymous story never names a story
   * or a person, so the queue holds nothing that ties a story to when or by whom it was written.
   */
  announce: 'stories.announce',
  /**
   * After a decision made outside the HR channel (API, dashboard): the story's HR review
   * message, found through its sealed reference, is updated to say who decided.
   */
  reviewed: 'stories.reviewed',
  /** Tells a named story's author the outcome of the review, by DM. */
  outcome: 'stories.outcome',
  /** Hourly: claims each workspace's digest of the last completed ISO week (once) and queues it. */
  digestTick: 'stories.digest-tick',
  /** Posts one workspace's digest of one ISO week. */
  digestPost: 'stories.digest-post',
  /** Every five minutes: claims the weekly prompt of each subscriber whose prompt hour is near. */
  promptTick: 'stories.prompt-tick',
  /** One subscriber's weekly prompt DM, at their local prompt hour, after any focus block. */
  prompt: 'stories.prompt',
} as const;

export interface WorkspaceJobData {
  workspaceId: string;
}

export interface OutcomeJobData {
  storyId: string;
  outcome: 'published' | 'rejected';
}

export interface ReviewedJobData {
  storyId: string;
  outcome: ReviewOutcome;
  /** Where it was decided. */
  via: DecidedVia;
  /** The decider's Slack user id; null for a credential that is nobody in Slack. */
  by: string | null;
}

export interface DigestJobData {
  workspaceId: string;
  week: string;
}

export interface PromptJobData {
  personId: string;
  /** The subscriber's local ISO week. */
  week: string;
  question: string;
  /** When it is due: the prompt hour, local to the person (ISO instant). */
  dueAt: string;
}
