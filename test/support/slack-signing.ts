import { createHmac, randomBytes } from 'node:crypto';

// Shared with the stand-in so payloads built here name the same app the stand-in answers as.
export const TEST_APP_ID = 'A0STANDIN1';
// Slack still puts the (deprecated) verification token in every payload; this is the docs' sample.
export const TEST_VERIFICATION_TOKEN = 'xyzz0WbapA4vBCDEFasx0q6G';

// A type alias (not an interface) so it is assignable to Record<string, string> header maps.
export type SlackSignatureHeaders = {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
};

/** Slack's v0 request signature: `v0=` + hex HMAC-SHA256 of `v0:<ts>:<raw body>`. */
export function signSlackRequest(
  rawBody: string,
  signingSecret: string,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  const ts = String(timestampSeconds);
  const digest = createHmac('sha256', signingSecret).update(`v0:${ts}:${rawBody}`).digest('hex');
  return { 'x-slack-signature': `v0=${digest}`, 'x-slack-request-timestamp': ts };
}

/** Trigger ids look like `<digits>.<digits>.<32 hex>`; anything else is `invalid_trigger_id`. */
export function fakeTriggerId(): string {
  const digits = (n: number) =>
    Array.from(randomBytes(n), (b) => String(b % 10))
      .join('')
      .replace(/^0/, '1');
  return `${digits(13)}.${digits(11)}.${randomBytes(16).toString('hex')}`;
}

function actionTs(): string {
  return (Date.now() / 1000).toFixed(6);
}

function teamDomain(teamId: string): string {
  return teamId.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Slash commands

export interface SlashCommandInput {
  command: string;
  text: string;
  userId: string;
  teamId: string;
  channelId?: string;
  channelName?: string;
  triggerId?: string;
  responseUrl?: string;
  userName?: string;
  teamDomain?: string;
  apiAppId?: string;
}

/** The exact form body Slack POSTs for a slash command (field order as Slack sends it). */
export function slashCommandBody(input: SlashCommandInput): string {
  const channelId = input.channelId ?? 'C0STANDIN01';
  const fields: Array<[string, string]> = [
    ['token', TEST_VERIFICATION_TOKEN],
    ['team_id', input.teamId],
    ['team_domain', input.teamDomain ?? teamDomain(input.teamId)],
    ['channel_id', channelId],
    [
      'channel_name',
      input.channelName ?? (channelId.startsWith('D') ? 'directmessage' : 'general'),
    ],
    ['user_id', input.userId],
    ['user_name', input.userName ?? input.userId.toLowerCase()],
    ['command', input.command],
    ['text', input.text],
    ['api_app_id', input.apiAppId ?? TEST_APP_ID],
    ['is_enterprise_install', 'false'],
    [
      'response_url',
      input.responseUrl ??
        `https://hooks.slack.com/commands/${input.teamId}/1234567890123/${randomBytes(12).toString('hex')}`,
    ],
    ['trigger_id', input.triggerId ?? fakeTriggerId()],
  ];
  // URLSearchParams encodes like Slack does (space as '+', '/' as %2F), which the signature covers.
  return new URLSearchParams(fields).toString();
}

// ---------------------------------------------------------------------------------------------
// Interactivity

/** Interactive payloads arrive as a form with one field, `payload`, holding the JSON. */
export function interactionBody(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

interface PayloadUserInput {
  userId: string;
  teamId: string;
  userName?: string;
  apiAppId?: string;
}

function payloadUser(input: PayloadUserInput) {
  const name = input.userName ?? input.userId.toLowerCase();
  return { id: input.userId, username: name, name, team_id: input.teamId };
}

export interface BlockActionsInput extends PayloadUserInput {
  actionId: string;
  value?: string;
  blockId?: string;
  /** Element type, e.g. 'button' (default), 'static_select'. */
  actionType?: string;
  triggerId?: string;
  responseUrl?: string;
  channelId?: string;
  messageTs?: string;
  /** When set, the action came from a view (modal or App Home) rather than a message. */
  view?: Record<string, unknown>;
}

/** A `block_actions` payload as Slack sends it for a button click in a message or a view. */
export function blockActionsPayload(input: BlockActionsInput): Record<string, unknown> {
  const base: Record<string, unknown> = {
    type: 'block_actions',
    user: payloadUser(input),
    api_app_id: input.apiAppId ?? TEST_APP_ID,
    token: TEST_VERIFICATION_TOKEN,
  };
  const action = {
    action_id: input.actionId,
    block_id: input.blockId ?? 'b1',
    value: input.value ?? '',
    type: input.actionType ?? 'button',
    action_ts: actionTs(),
  };
  const team = { id: input.teamId, domain: teamDomain(input.teamId) };
  if (input.view) {
    // Actions inside a view carry the view and no channel/message/response_url.
    const view = { team_id: input.teamId, state: { values: {} }, ...input.view };
    return {
      ...base,
      container: { type: 'view', view_id: (view as { id?: string }).id ?? 'V0STANDIN01' },
      trigger_id: input.triggerId ?? fakeTriggerId(),
      team,
      enterprise: null,
      is_enterprise_install: false,
      view,
      actions: [action],
    };
  }
  const channelId = input.channelId ?? 'C0STANDIN01';
  const messageTs = input.messageTs ?? actionTs();
  return {
    ...base,
    container: {
      type: 'message',
      message_ts: messageTs,
      channel_id: channelId,
      is_ephemeral: false,
    },
    trigger_id: input.triggerId ?? fakeTriggerId(),
    team,
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channelId, name: channelId.startsWith('D') ? 'directmessage' : 'general' },
    message: { type: 'message', ts: messageTs, text: '', blocks: [] },
    state: { values: {} },
    response_url:
      input.responseUrl ??
      `https://hooks.slack.com/actions/${input.teamId}/1234567890123/${randomBytes(12).toString('hex')}`,
    actions: [action],
  };
}

export interface ViewSubmissionInput extends PayloadUserInput {
  callbackId: string;
  /** `state.values`: `{ [blockId]: { [actionId]: { type, value | selected_option | ... } } }`. */
  values: Record<string, Record<string, unknown>>;
  privateMetadata?: string;
  viewId?: string;
  triggerId?: string;
  blocks?: unknown[];
  title?: string;
}

/** A `view_submission` payload (the user pressed Submit on a modal). */
export function viewSubmissionPayload(input: ViewSubmissionInput): Record<string, unknown> {
  const viewId = input.viewId ?? 'V0STANDIN01';
  return {
    type: 'view_submission',
    team: { id: input.teamId, domain: teamDomain(input.teamId) },
    user: payloadUser(input),
    api_app_id: input.apiAppId ?? TEST_APP_ID,
    token: TEST_VERIFICATION_TOKEN,
    trigger_id: input.triggerId ?? fakeTriggerId(),
    view: {
      id: viewId,
      team_id: input.teamId,
      type: 'modal',
      blocks: input.blocks ?? [],
      private_metadata: input.privateMetadata ?? '',
      callback_id: input.callbackId,
      state: { values: input.values },
      hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
      title: { type: 'plain_text', text: input.title ?? 'Modal', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: { type: 'plain_text', text: 'Submit', emoji: true },
      previous_view_id: null,
      root_view_id: viewId,
      app_id: input.apiAppId ?? TEST_APP_ID,
      external_id: '',
      app_installed_team_id: input.teamId,
      bot_id: 'B0STANDIN01',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** Answers to the pulse modal by question id: scores and options as Slack sends them, text as typed. */
export type ModalAnswers = Record<
  string,
  { kind: 'scale5' | 'enps' | 'choice' | 'text'; value: string }
>;

/** The pulse answer modal's `view_submission`, as Slack sends it over HTTP or Socket Mode. */
export function pulseAnswerPayload(input: {
  teamId: string;
  userId: string;
  roundId: string;
  answers: ModalAnswers;
}): Record<string, unknown> {
  const values: Record<string, Record<string, unknown>> = {};
  for (const [questionId, a] of Object.entries(input.answers)) {
    values[`q:${questionId}`] = {
      answer:
        a.kind === 'text'
          ? { type: 'plain_text_input', value: a.value }
          : {
              type: a.kind === 'enps' ? 'static_select' : 'radio_buttons',
              selected_option: { value: a.value },
            },
    };
  }
  return viewSubmissionPayload({
    userId: input.userId,
    teamId: input.teamId,
    callbackId: 'pulse_answer',
    privateMetadata: JSON.stringify({ roundId: input.roundId }),
    values,
  });
}

export interface ShortcutInput extends PayloadUserInput {
  callbackId: string;
  triggerId: string;
}

/** A global `shortcut` payload. Note Slack's user object here has no `name`. */
export function shortcutPayload(input: ShortcutInput): Record<string, unknown> {
  return {
    type: 'shortcut',
    token: TEST_VERIFICATION_TOKEN,
    action_ts: actionTs(),
    team: { id: input.teamId, domain: teamDomain(input.teamId) },
    user: {
      id: input.userId,
      username: input.userName ?? input.userId.toLowerCase(),
      team_id: input.teamId,
    },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callbackId,
    trigger_id: input.triggerId,
  };
}

// ---------------------------------------------------------------------------------------------
// Events API

export interface EventBodyInput {
  teamId: string;
  event: Record<string, unknown>;
  apiAppId?: string;
  /** The installation's bot user; it appears in `authorizations`. */
  botUserId?: string;
  eventId?: string;
  eventTime?: number;
}

/** JSON body of an `event_callback` envelope, as the Events API POSTs it. */
export function eventBody(input: EventBodyInput): string {
  const eventTime = input.eventTime ?? Math.floor(Date.now() / 1000);
  return JSON.stringify({
    token: TEST_VERIFICATION_TOKEN,
    team_id: input.teamId,
    api_app_id: input.apiAppId ?? TEST_APP_ID,
    event: input.event,
    type: 'event_callback',
    event_id: input.eventId ?? `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: eventTime,
    authorizations: [
      {
        enterprise_id: null,
        team_id: input.teamId,
        user_id: input.botUserId ?? 'U0STANDINBOT',
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${randomBytes(24).toString('base64url')}`,
  });
}
