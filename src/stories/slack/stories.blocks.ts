/**
 * Block Kit for the story feed, built by pure functions (tested in stories.blocks.spec.ts).
 * Story text is user content: every piece of it goes through `mrkdwn()` (Slack's three control
 * characters escaped, so `<!channel>` or `<https://x|y>` in a story is shown, never acted on),
 * or into a plain_text field, which Slack never interprets.
 */
import type { ActionsBlock, Button, KnownBlock, ModalView } from '@slack/types';
import {
  REACTION_KINDS,
  REACTIONS,
  STORY_LIMITS,
  STORY_TAG_IDS,
  STORY_TAGS,
  slackLength,
  type DecidedVia,
  type DigestItem,
  type NewStory,
  type ReviewOutcome,
  type Story,
  type StoryCounts,
  type StoryTag,
} from '../stories.types';
import {
  DIGEST_BLOCK_PREFIX,
  reactActionId,
  STORY_ACTIONS,
  STORY_FIELDS,
  STORY_VIEWS,
} from './stories.slack-ids';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const SECTION_MAX = 3000;

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function mrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes and cuts to at most `max` UTF-16 units (ending in "…"), never splitting an entity. */
export function mrkdwnWithin(text: string, max: number): string {
  const escaped = mrkdwn(text);
  if (escaped.length <= max) return escaped;
  let out = '';
  for (const char of text) {
    const piece = mrkdwn(char);
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

/** Escaped text split into pieces of at most `max` units (a 3,000-character story of `&` is 15,000). */
export function mrkdwnChunks(text: string, max = SECTION_MAX): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const char of text) {
    const piece = mrkdwn(char);
    if (current.length + piece.length > max) {
      chunks.push(current);
      current = '';
    }
    current += piece;
  }
  if (current || chunks.length === 0) chunks.push(current);
  return chunks;
}

const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string): KnownBlock => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text }],
});

function button(
  text: string,
  actionId: string,
  value: string,
  style?: 'primary' | 'danger',
): Button {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text, emoji: true },
    value,
    ...(style ? { style } : {}),
  };
}

export function tagLabels(tags: StoryTag[]): string {
  return tags.map((t) => STORY_TAGS[t]).join(' · ');
}

/** Who wrote it, as shown: a mention for a named story (an id Slack gave us), else "Anonymous". */
function byline(author: { slackUserId: string } | null): string {
  return author ? `<@${author.slackUserId}>` : 'Anonymous';
}

function storyHeader(story: Story, author: { slackUserId: string } | null): string {
  const tags = story.tags.length ? ` · ${mrkdwn(tagLabels(story.tags))}` : '';
  return `*${mrkdwnWithin(story.title, 300)}*\n_${byline(author)}${tags}_`;
}

// ---------------------------------------------------------------------------------------------
// The share modal

export interface ShareModalInput {
  /** A prompt's question, prefilled as the title (the weekly prompt's Share button). */
  prefillTitle?: string;
}

export function shareModal(input: ShareModalInput = {}): ModalView {
  return {
    type: 'modal',
    callback_id: STORY_VIEWS.share,
    title: { type: 'plain_text', text: 'Share a story' },
    submit: { type: 'plain_text', text: 'Share' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: STORY_FIELDS.title.block,
        label: { type: 'plain_text', text: 'Title' },
        element: {
          type: 'plain_text_input',
          action_id: STORY_FIELDS.title.action,
          max_length: STORY_LIMITS.title,
          ...(input.prefillTitle
            ? { initial_value: [...input.prefillTitle].slice(0, STORY_LIMITS.title).join('') }
            : {}),
          placeholder: { type: 'plain_text', text: 'The customer who…' },
        },
      },
      {
        type: 'input',
        block_id: STORY_FIELDS.body.block,
        label: { type: 'plain_text', text: 'Your story' },
        element: {
          type: 'plain_text_input',
          action_id: STORY_FIELDS.body.action,
          multiline: true,
          max_length: STORY_LIMITS.body,
        },
        hint: {
          type: 'plain_text',
          text: `Up to ${STORY_LIMITS.body.toLocaleString('en-US')} characters.`,
        },
      },
      {
        type: 'input',
        block_id: STORY_FIELDS.tags.block,
        optional: true,
        label: { type: 'plain_text', text: 'Tags' },
        element: {
          type: 'checkboxes',
          action_id: STORY_FIELDS.tags.action,
          options: STORY_TAG_IDS.map((id) => ({
            text: { type: 'plain_text', text: STORY_TAGS[id] },
            value: id,
          })),
        },
      },
      {
        type: 'input',
        block_id: STORY_FIELDS.sharing.block,
        label: { type: 'plain_text', text: 'Share as' },
        element: {
          type: 'radio_buttons',
          action_id: STORY_FIELDS.sharing.action,
          initial_option: { text: { type: 'plain_text', text: 'Me' }, value: 'named' },
          options: [
            { text: { type: 'plain_text', text: 'Me' }, value: 'named' },
            {
              text: { type: 'plain_text', text: 'Anonymously' },
              value: 'anonymous',
              description: {
                type: 'plain_text',
                text: 'Pulsedesk stores no author, not even for HR.',
              },
            },
          ],
        },
      },
    ],
  };
}

type StateValues = Record<
  string,
  Record<
    string,
    {
      value?: string | null;
      selected_options?: { value: string }[] | null;
      selected_option?: { value: string } | null;
    }
  >
>;

export type ParsedShare =
  { ok: true; story: NewStory } | { ok: false; errors: Record<string, string> };

/** Reads the submitted modal; every problem is a field error shown under its input. */
export function parseShareSubmission(values: StateValues): ParsedShare {
  const field = (f: { block: string; action: string }) => values?.[f.block]?.[f.action];
  const errors: Record<string, string> = {};
  // The payload is Slack's, or a forger's: a field that is not text counts as empty.
  const textOf = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
  const title = textOf(field(STORY_FIELDS.title)?.value);
  const body = textOf(field(STORY_FIELDS.body)?.value);
  if (!title) errors[STORY_FIELDS.title.block] = 'Give your story a title.';
  else if (slackLength(title) > STORY_LIMITS.title)
    errors[STORY_FIELDS.title.block] = `A title has at most ${STORY_LIMITS.title} characters.`;
  if (!body) errors[STORY_FIELDS.body.block] = 'Write your story here.';
  else if (slackLength(body) > STORY_LIMITS.body)
    errors[STORY_FIELDS.body.block] =
      `A story has at most ${STORY_LIMITS.body.toLocaleString('en-US')} characters (this one has ${slackLength(body).toLocaleString('en-US')}).`;
  const picked: unknown = field(STORY_FIELDS.tags)?.selected_options;
  const tags = (Array.isArray(picked) ? picked : []).map((o: { value?: unknown } | null) =>
    typeof o?.value === 'string' ? o.value : '',
  );
  const unknown = tags.filter((t) => !(STORY_TAG_IDS as string[]).includes(t));
  if (unknown.length) errors[STORY_FIELDS.tags.block] = 'Pick tags from the list.';
  const sharing = field(STORY_FIELDS.sharing)?.selected_option?.value ?? 'named';
  if (sharing !== 'named' && sharing !== 'anonymous')
    errors[STORY_FIELDS.sharing.block] = 'Choose to share as you or anonymously.';
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    story: {
      title,
      body,
      tags: [...new Set(tags)] as StoryTag[],
      anonymous: sharing === 'anonymous',
    },
  };
}

/** The modal after sharing: what happens next. */
export function sharedView(outcome: {
  status: 'pending' | 'published';
  anonymous: boolean;
}): ModalView {
  const next =
    outcome.status === 'pending'
      ? 'An HR lead will review it before it reaches the feed.'
      : 'It is in the feed now.';
  const who = outcome.anonymous
    ? ' It was stored without any author: nobody, HR included, can tell it was you.'
    : '';
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Story shared' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [section(`:sparkles: Thank you for sharing. ${next}${who}`)],
  };
}

// ---------------------------------------------------------------------------------------------
// A story in a message: reaction buttons with counts, and a Report button

/** `actionId` names each kind's button: messages use reactActionId, App Home its own ids. */
export function reactionButtons(
  storyId: string,
  counts: StoryCounts,
  actionId: (kind: string) => string = reactActionId,
): Button[] {
  return REACTION_KINDS.map((kind) =>
    button(`${REACTIONS[kind].label} ${counts[kind]}`, actionId(kind), storyId),
  );
}

function storyActions(storyId: string, counts: StoryCounts, blockId?: string): ActionsBlock {
  return {
    type: 'actions',
    ...(blockId ? { block_id: blockId } : {}),
    elements: [
      ...reactionButtons(storyId, counts),
      button('Report', STORY_ACTIONS.report, storyId),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// The HR channel

/**
 * Who decided a review, and where: `by` is the decider's Slack user id (shown as a mention), or
 * null for a credential that is nobody in Slack; `via` is set for a decision made outside the
 * HR channel (the dashboard, the API).
 */
export type HrDecision = {
  by: string | null;
  outcome: ReviewOutcome;
  via?: DecidedVia;
};

const DECIDED_VIA = { dashboard: 'in the Pulsedesk dashboard', api: 'through the Pulsedesk API' };

/** "Approved by <@U…>", "Approved by <@U…> in the Pulsedesk dashboard", "Rejected through the Pulsedesk API". */
function decidedLine(verb: string, decision: HrDecision): string {
  const where = decision.via ? DECIDED_VIA[decision.via] : null;
  if (decision.by) return [`${verb} by <@${decision.by}>`, where].filter(Boolean).join(' ');
  return `${verb} ${where ?? 'in Pulsedesk'}`;
}

/** A story waiting for review (Approve / Reject), or the same story once decided (who decided). */
export function hrReviewMessage(input: {
  story: Story;
  author: { slackUserId: string } | null;
  counts: StoryCounts;
  decision?: HrDecision;
}): SlackMessage {
  const { story, author, decision } = input;
  const reported = story.status === 'hidden';
  const blocks: KnownBlock[] = [
    section(
      reported
        ? ':triangular_flag_on_post: *A published story was reported* and is hidden until reviewed.'
        : decision
          ? ':memo: *A story was reviewed*'
          : ':memo: *A new story is waiting for review*',
    ),
    section(storyHeader(story, author)),
    ...mrkdwnChunks(story.body).map(section),
  ];
  if (decision) {
    const verb = {
      approved: 'Approved',
      rejected: 'Rejected',
      restored: 'Restored',
      removed: 'Removed',
    }[decision.outcome];
    blocks.push(context(decidedLine(verb, decision)));
    if (story.status === 'published') blocks.push(storyActions(story.id, input.counts));
  } else {
    blocks.push({
      type: 'actions',
      elements: [
        button(reported ? 'Restore' : 'Approve', STORY_ACTIONS.approve, story.id, 'primary'),
        button(reported ? 'Remove' : 'Reject', STORY_ACTIONS.reject, story.id, 'danger'),
      ],
    });
  }
  const text = decision
    ? `Story reviewed: ${mrkdwnWithin(story.title, 200)}`
    : `Story to review: ${mrkdwnWithin(story.title, 200)}`;
  return { text, blocks };
}

// ---------------------------------------------------------------------------------------------
// Direct messages to a named story's author

export function outcomeDm(story: Story, outcome: 'published' | 'rejected'): SlackMessage {
  const title = mrkdwnWithin(story.title, 300);
  const text =
    outcome === 'published'
      ? `:tada: Your story *${title}* was approved and is in the feed.`
      : `Your story *${title}* was not published by the HR team. You can share it again, reworded, with \`/story\`.`;
  return { text, blocks: [section(text)] };
}

// ---------------------------------------------------------------------------------------------
// The weekly digest

export type { DigestItem } from '../stories.types';

const DIGEST_EXCERPT = 600;
/** Slack allows 50 blocks a message: a header, then three blocks per story. */
export const DIGEST_MAX_STORIES = 15;

export function digestMessage(input: { week: string; items: DigestItem[] }): SlackMessage {
  const shown = input.items.slice(0, DIGEST_MAX_STORIES);
  const blocks: KnownBlock[] = [
    section(
      `:books: *This week's stories* (${input.week}): ${input.items.length} shared by the team.`,
    ),
  ];
  for (const item of shown) {
    blocks.push(
      { type: 'divider' },
      section(
        `${storyHeader(item.story, item.author)}\n${mrkdwnWithin(item.story.body, DIGEST_EXCERPT)}`,
      ),
      storyActions(
        item.story.id,
        item.counts,
        `${DIGEST_BLOCK_PREFIX}${input.week}:${item.story.id}`,
      ),
    );
  }
  if (input.items.length > shown.length)
    blocks.push(context(`… and ${input.items.length - shown.length} more on the dashboard.`));
  return { text: `This week's stories (${input.week})`, blocks };
}

// ---------------------------------------------------------------------------------------------
// App Home

export const HOME_STORY_EXCERPT = 280;

/**
 * The stories part of the App Home tab: the latest published stories with reaction buttons
 * (App Home's own action ids, so a tap re-publishes the tab).
 */
export function homeStoryBlocks(
  items: DigestItem[],
  reactId: (kind: string) => string,
): KnownBlock[] {
  const blocks: KnownBlock[] = [
    { type: 'divider' },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: '*Stories*' },
      accessory: button('Share a story', STORY_ACTIONS.share, 'home', 'primary'),
    },
  ];
  if (items.length === 0) blocks.push(section('No stories yet. Be the first: `/story`.'));
  for (const item of items) {
    blocks.push(
      section(
        `${storyHeader(item.story, item.author)}\n${mrkdwnWithin(item.story.body, HOME_STORY_EXCERPT)}`,
      ),
      { type: 'actions', elements: reactionButtons(item.story.id, item.counts, reactId) },
    );
  }
  return blocks;
}

/** The one-line reply to a reaction tapped on a message (Slack messages are not re-rendered per person). */
export function reactionNotice(kind: keyof StoryCounts, added: boolean, count: number): string {
  return `${REACTIONS[kind].label} ${added ? 'added' : 'removed'}: ${count} now.`;
}

// ---------------------------------------------------------------------------------------------
// The weekly prompt

/** The prompt DM: one first-person question, and a Share button opening the modal prefilled. */
export function promptDm(question: string): SlackMessage {
  return {
    text: `Your weekly story prompt: ${mrkdwn(question)}`,
    blocks: [
      section(`:writing_hand: *Your weekly story prompt*\n>${mrkdwn(question)}`),
      {
        type: 'actions',
        elements: [button('Share a story', STORY_ACTIONS.share, question, 'primary')],
      },
      context(
        'You get this because you turned on the weekly prompt on the Pulsedesk Home tab; turn it off there.',
      ),
    ],
  };
}
