/** The vocabulary of the story feed: tags, statuses, reaction kinds and the limits of a story. */
export const STORY_TAGS = {
  customer_win: 'customer win',
  teamwork: 'teamwork',
  learning: 'learning',
  why_i_do_this: 'why I do this',
  self_care: 'self-care',
} as const;
export type StoryTag = keyof typeof STORY_TAGS;
export const STORY_TAG_IDS = Object.keys(STORY_TAGS) as StoryTag[];

export const STORY_STATUSES = ['published', 'pending', 'rejected', 'hidden'] as const;
export type StoryStatus = (typeof STORY_STATUSES)[number];

/** What a review did: a pending story approved or rejected, a reported one restored or removed. */
export type ReviewOutcome = 'approved' | 'rejected' | 'restored' | 'removed';

/** Where a review decided outside the HR channel's buttons was made. */
export type DecidedVia = 'dashboard' | 'api';

export const REACTIONS = {
  clap: { emoji: ':clap:', label: '👏' },
  heart: { emoji: ':heart:', label: '❤️' },
  raised_hands: { emoji: ':raised_hands:', label: '🙌' },
} as const;
export type ReactionKind = keyof typeof REACTIONS;
export const REACTION_KINDS = Object.keys(REACTIONS) as ReactionKind[];

export const STORY_LIMITS = {
  /** Slack's own limit for a plain-text input, counted in code points as Slack counts. */
  body: 3000,
  title: 150,
} as const;

/** Characters as Slack counts them: code points, so an emoji is one, not two UTF-16 units. */
export function slackLength(text: string): number {
  return [...text].length;
}

export interface StoryCounts {
  clap: number;
  heart: number;
  raised_hands: number;
}

/** A story as the services and renderers see it; `authorPersonId` is null for anonymous ones. */
export interface Story {
  id: string;
  workspaceId: string;
  seq: string;
  anonymous: boolean;
  authorPersonId: string | null;
  title: string;
  body: string;
  tags: StoryTag[];
  status: StoryStatus;
  /** Days only (YYYY-MM-DD): no finer time is ever stored for a story. */
  createdOn: string;
  publishedOn: string | null;
}

export interface NewStory {
  title: string;
  body: string;
  tags: StoryTag[];
  anonymous: boolean;
}

export const emptyCounts = (): StoryCounts => ({ clap: 0, heart: 0, raised_hands: 0 });

/** A published story as the digest and the App Home tab show it. */
export interface DigestItem {
  story: Story;
  author: { slackUserId: string } | null;
  counts: StoryCounts;
}
