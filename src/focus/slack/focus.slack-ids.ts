/** Slack identifiers of the focus feature. */
export const FOCUS_COMMAND = '/focus' as const;

export const FOCUS_ACTIONS = {
  /** "End now" on a running block (or "Cancel" on a scheduled one); value = block id. */
  endNow: 'focus_end_now',
  /** The Connect button's link click, acknowledged so Slack shows no error. */
  connect: 'focus_connect',
} as const;
