/** Slack identifiers of the story feature: the command, shortcut, modal, blocks and buttons. */
export const STORY_COMMAND = '/story' as const;
export const STORY_SHORTCUT = 'story_share' as const;

export const STORY_VIEWS = {
  share: 'story_share_modal',
} as const;

/** Block ids (and the action id inside each) of the share modal's inputs. */
export const STORY_FIELDS = {
  title: { block: 'story_title', action: 'value' },
  body: { block: 'story_body', action: 'value' },
  tags: { block: 'story_tags', action: 'value' },
  sharing: { block: 'story_sharing', action: 'value' },
} as const;

export const STORY_ACTIONS = {
  approve: 'story_approve',
  reject: 'story_reject',
  report: 'story_report',
  /** "Share a story" from App Home (and the weekly prompt): opens the modal. */
  share: 'story_open_share',
  /** Prefix of the reaction buttons: `story_react_clap`, … ; value = story id. */
  react: 'story_react',
} as const;

export const REACT_ACTION_PATTERN = /^story_react_(clap|heart|raised_hands)$/;

export function reactActionId(kind: string): string {
  return `${STORY_ACTIONS.react}_${kind}`;
}

/** The reaction kind of a button's action id, or null when it is not one of ours. */
export function kindFromActionId(actionId: string): string | null {
  const match = REACT_ACTION_PATTERN.exec(actionId);
  return match ? match[1] : null;
}

/** The block holding a story's buttons in a digest: `story_digest:<week>` (re-rendered on a tap). */
export const DIGEST_BLOCK_PREFIX = 'story_digest:';
