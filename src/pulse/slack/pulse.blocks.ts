/** Block Kit for the pulse feature, built by pure functions (tested in pulse.blocks.spec.ts). */
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  InputBlock,
  KnownBlock,
  ModalView,
  PlainTextElement,
  PlainTextOption,
  SectionBlock,
} from '@slack/types';
import { DateTime } from 'luxon';
import type { HeadlineFigures, PulseStatusInput, QuestionDef } from '../pulse.types';
import {
  PULSE_ACTIONS,
  PULSE_ANSWER_ACTION,
  PULSE_BLOCKS,
  PULSE_VIEWS,
  questionBlockId,
  scoreActionId,
} from './pulse.slack-ids';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export function pulseHelpMessage(anonymityThreshold: number): SlackMessage {
  const lines = [
    '*Pulsedesk* keeps a support team healthy from inside Slack:',
    '• *Pulse checks*: short anonymous check-ins by DM. Answer with one tap.',
    `• *Anonymity*: Pulsedesk records _whether_ you answered (to remind you once), never _what_ next to your name. Results only show for groups of at least ${anonymityThreshold} people.`,
    '• *Focus time*: `/focus 45m deep work` sets your status and pauses notifications, then puts everything back.',
  ];
  const commands = [
    '`/pulse` your open pulse and your team’s latest results',
    '`/focus 45m`, `/focus off`, `/focus` your focus blocks',
    '`/pulse dashboard` a sign-in link to the dashboard (team leads, HR and admins)',
    '`/pulse help` this message',
  ];
  return {
    text: 'Pulsedesk: anonymous pulse checks and focus time for your support team.',
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
      { type: 'divider' },
      { type: 'section', text: { type: 'mrkdwn', text: commands.join('\n') } },
    ],
  };
}

/** Echoed input is cut short: Slack refuses section text over 3,000 characters. */
const ECHO_LIMIT = 60;

export function unknownPulseCommand(text: string): SlackMessage {
  const echoed = text.length > ECHO_LIMIT ? `${text.slice(0, ECHO_LIMIT)}…` : text;
  const message = `I don't know \`/pulse ${echoed}\`. Try \`/pulse help\`.`;
  return { text: message, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: message } }] };
}

/** `/pulse dashboard`: the one-time link, shown only to the person who asked (ephemeral). */
export function dashboardLinkMessage(url: string, validMinutes: number): SlackMessage {
  const text = `Your one-time dashboard sign-in link (valid ${validMinutes} minutes, works once; do not share it): <${url}|Open the Pulsedesk dashboard>`;
  return { text, blocks: [section(text)] };
}

export type DashboardRefusal = 'unknown_person' | 'agent' | 'lead_without_team';

/** `/pulse dashboard` for someone who may not sign in: why, and who can help. */
export function dashboardRefusedMessage(reason: DashboardRefusal): SlackMessage {
  const text =
    reason === 'lead_without_team'
      ? 'The dashboard shows a lead their own team, and you are not assigned to one yet. Ask an admin to set your team in Pulsedesk.'
      : reason === 'unknown_person'
        ? 'Pulsedesk does not know you yet: ask an admin to import the workspace’s people, then try again.'
        : 'The dashboard is for team leads, HR and admins. Your pulse answers stay anonymous either way; try `/pulse` for your own open pulses and your team’s results.';
  return { text, blocks: [section(text)] };
}

// ---------------------------------------------------------------------------------------------
// Pulse delivery. No builder below ever takes an answer value as input: that is how "no Slack
// message contains an answer" stays true (Slack keeps messages; workspace exports read them).
// ---------------------------------------------------------------------------------------------

/** Slack's limits, from the Block Kit reference. */
export const SLACK_LIMITS = {
  sectionText: 3000,
  buttonText: 75,
  optionText: 75,
  inputLabel: 2000,
  modalTitle: 24,
  modalBlocks: 100,
  messageBlocks: 50,
  radioOptions: 10,
  selectOptions: 100,
} as const;

/** The longest free-text answer accepted (the modal's input says so too). */
export const TEXT_ANSWER_MAX_LENGTH = 1000;

/** A title inside a longer text is cut here, so the text around it always fits. */
const TITLE_IN_TEXT_LIMIT = 150;
/** A prompt inside a list line (status, HR summary) is cut here. */
const PROMPT_IN_LINE_LIMIT = 200;
/** Open pulses listed by `/pulse` before "… and N more". */
const STATUS_ROUND_LIMIT = 10;

export const SCALE5_LABELS = [
  'Strongly disagree',
  'Disagree',
  'Neutral',
  'Agree',
  'Strongly agree',
] as const;

/** Option text of a scale5 score: the score first, then its meaning, e.g. "4 · Agree". */
export function scale5OptionText(score: number): string {
  return `${score} · ${SCALE5_LABELS[score - 1]}`;
}

/** Option text of an eNPS score: the score first; only the two ends carry words. */
export function enpsOptionText(score: number): string {
  if (score === 0) return '0 · Not at all likely';
  if (score === 10) return '10 · Extremely likely';
  return String(score);
}

/** What Pulsedesk knows about you, in one line; every survey DM and view carries it. */
export function privacyLine(k: number): string {
  return `:lock: Pulsedesk records _whether_ you answered (to remind you once and count participation), never _what_. Results only show for groups of at least ${k} people.`;
}

export interface PulseDmInput {
  roundId: string;
  title: string;
  questions: QuestionDef[];
  closesAt: Date;
  timeZone: string;
  k: number;
  reminder?: boolean;
}

/**
 * The DM that invites an agent to a round. A single scale5 question is answered with one tap on
 * the DM's buttons; anything else (eNPS's 11 options included) opens the modal.
 */
export function pulseDmMessage(input: PulseDmInput): SlackMessage {
  const title = mrkdwnWithin(input.title, TITLE_IN_TEXT_LIMIT);
  const until = formatDateTime(input.closesAt, input.timeZone);
  const intro = input.reminder
    ? `Gentle reminder: *${title}* is still open until ${until}. It takes about a minute, and it stays anonymous.`
    : `:wave: *${title}* — a quick anonymous pulse for your team. Open until ${until}.`;
  const fallback = input.reminder
    ? `Reminder: ${title} is open until ${until}.`
    : `${title}: a quick anonymous pulse, open until ${until}.`;

  const blocks: KnownBlock[] = [section(intro)];
  const [only] = input.questions;
  if (input.questions.length === 1 && only.kind === 'scale5') {
    blocks.push(section(`*${mrkdwnWithin(only.prompt, SLACK_LIMITS.sectionText - 2)}*`));
    blocks.push(oneTapScores(input.roundId));
  } else {
    const count = input.questions.length;
    blocks.push(
      section(`${count} ${count === 1 ? 'question' : 'questions'}, answered in one short form.`),
    );
    blocks.push({ type: 'actions', elements: [answerButton(input.roundId)] });
  }
  blocks.push(privacyContext(input.k));
  return { text: fallback, blocks };
}

function oneTapScores(roundId: string): ActionsBlock {
  return {
    type: 'actions',
    block_id: PULSE_BLOCKS.scores,
    elements: [1, 2, 3, 4, 5].map((score): Button => ({
      type: 'button',
      action_id: scoreActionId(score),
      text: plain(scale5OptionText(score), SLACK_LIMITS.buttonText),
      // The score lives in the action id; the value only says which round.
      value: roundId,
    })),
  };
}

function answerButton(roundId: string): Button {
  return {
    type: 'button',
    action_id: PULSE_ACTIONS.openModal,
    style: 'primary',
    text: plain('Answer', SLACK_LIMITS.buttonText),
    value: roundId,
  };
}

export interface PulseModalInput {
  roundId: string;
  title: string;
  questions: QuestionDef[];
  k: number;
}

/** The metadata the answer modal carries back in its view_submission. */
export interface PulseModalMetadata {
  roundId: string;
}

/**
 * The modal holding every question of a round; one submission is one response.
 * Throws a RangeError for a question set Slack would refuse (too many questions, duplicate ids,
 * a choice without options or with more than a select can hold).
 */
export function pulseModalView(input: PulseModalInput): ModalView {
  assertModalFits(input.questions);
  const metadata: PulseModalMetadata = { roundId: input.roundId };
  return {
    type: 'modal',
    callback_id: PULSE_VIEWS.answer,
    private_metadata: JSON.stringify(metadata),
    title: plain(input.title.trim() || 'Pulse', SLACK_LIMITS.modalTitle),
    submit: plain('Submit', SLACK_LIMITS.modalTitle),
    close: plain('Cancel', SLACK_LIMITS.modalTitle),
    blocks: [
      section(`*${mrkdwnWithin(input.title, SLACK_LIMITS.sectionText - 2)}*`),
      ...input.questions.map(questionInput),
      privacyContext(input.k),
    ],
  };
}

/** Blocks of the modal around the questions: the title section and the privacy line. */
const MODAL_FRAME_BLOCKS = 2;

function assertModalFits(questions: QuestionDef[]): void {
  const max = SLACK_LIMITS.modalBlocks - MODAL_FRAME_BLOCKS;
  if (questions.length > max) {
    throw new RangeError(`A pulse modal holds at most ${max} questions, got ${questions.length}`);
  }
  const ids = new Set(questions.map((question) => question.id));
  if (ids.size !== questions.length) throw new RangeError('Question ids must be unique');
  for (const question of questions) {
    const count = question.options?.length ?? 0;
    if (question.kind === 'choice' && (count === 0 || count > SLACK_LIMITS.selectOptions)) {
      throw new RangeError(
        `Choice question ${question.id} needs 1 to ${SLACK_LIMITS.selectOptions} options, got ${count}`,
      );
    }
  }
}

function questionInput(question: QuestionDef): InputBlock {
  const base = {
    type: 'input' as const,
    block_id: questionBlockId(question.id),
    label: plain(question.prompt, SLACK_LIMITS.inputLabel),
  };
  switch (question.kind) {
    case 'scale5':
      return {
        ...base,
        element: {
          type: 'radio_buttons',
          action_id: PULSE_ANSWER_ACTION,
          options: [1, 2, 3, 4, 5].map((score) => option(scale5OptionText(score), String(score))),
        },
      };
    case 'enps':
      return {
        ...base,
        element: {
          type: 'static_select',
          action_id: PULSE_ANSWER_ACTION,
          placeholder: plain('Pick a score from 0 to 10', SLACK_LIMITS.optionText),
          options: ENPS_SCORES.map((score) => option(enpsOptionText(score), String(score))),
        },
      };
    case 'choice': {
      const options = (question.options ?? []).map((text, index) => option(text, String(index)));
      return {
        ...base,
        element:
          options.length <= SLACK_LIMITS.radioOptions
            ? { type: 'radio_buttons', action_id: PULSE_ANSWER_ACTION, options }
            : {
                type: 'static_select',
                action_id: PULSE_ANSWER_ACTION,
                placeholder: plain('Pick one', SLACK_LIMITS.optionText),
                options,
              },
      };
    }
    case 'text':
      return {
        ...base,
        optional: true,
        element: {
          type: 'plain_text_input',
          action_id: PULSE_ANSWER_ACTION,
          multiline: true,
          max_length: TEXT_ANSWER_MAX_LENGTH,
        },
      };
  }
}

const ENPS_SCORES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/** One element's state in Slack's `view.state.values[blockId][actionId]`. */
export interface SlackInputState {
  type: string;
  selected_option?: { value: string } | null;
  value?: string | null;
}

export type SlackStateValues = Record<string, Record<string, SlackInputState>>;

export interface PulseAnswer {
  questionId: string;
  value: string;
}

export type ModalSubmissionResult =
  { ok: true; answers: PulseAnswer[] } | { ok: false; errors: Record<string, string> };

export const SUBMISSION_ERRORS = {
  required: 'Pick an answer.',
  notAnOption: 'That is not one of the options. Pick one of the listed answers.',
  tooLong: `Keep it under ${TEXT_ANSWER_MAX_LENGTH} characters.`,
} as const;

/**
 * Reads a view_submission's `view.state.values` against the round's questions. Errors are keyed
 * by block id, ready for `{ response_action: 'errors', errors }`. Selected values are checked
 * against the question's own options (a forged payload can carry anything); a choice answer
 * becomes the option's text; empty comments are left out.
 */
export function parseModalSubmission(
  questions: QuestionDef[],
  values: SlackStateValues,
): ModalSubmissionResult {
  const answers: PulseAnswer[] = [];
  const errors: Record<string, string> = {};
  for (const question of questions) {
    const blockId = questionBlockId(question.id);
    const state = values[blockId]?.[PULSE_ANSWER_ACTION];
    const result = readAnswer(question, state);
    if ('error' in result) errors[blockId] = result.error;
    else if (result.value !== null) answers.push({ questionId: question.id, value: result.value });
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, answers };
}

function readAnswer(
  question: QuestionDef,
  state: SlackInputState | undefined,
): { value: string | null } | { error: string } {
  if (question.kind === 'text') {
    const raw = typeof state?.value === 'string' ? state.value.trim() : '';
    if (raw === '') return { value: null };
    if ([...raw].length > TEXT_ANSWER_MAX_LENGTH) return { error: SUBMISSION_ERRORS.tooLong };
    return { value: raw };
  }
  const selected = state?.selected_option?.value;
  if (typeof selected !== 'string' || selected === '') return { error: SUBMISSION_ERRORS.required };
  switch (question.kind) {
    case 'scale5':
      return wholeNumberIn(selected, 1, 5)
        ? { value: selected }
        : { error: SUBMISSION_ERRORS.notAnOption };
    case 'enps':
      return wholeNumberIn(selected, 0, 10)
        ? { value: selected }
        : { error: SUBMISSION_ERRORS.notAnOption };
    case 'choice': {
      const options = question.options ?? [];
      return wholeNumberIn(selected, 0, options.length - 1)
        ? { value: options[Number(selected)] }
        : { error: SUBMISSION_ERRORS.notAnOption };
    }
  }
}

/** Exactly the canonical decimal spelling of an integer in [min, max]: no "04", "4.0" or " 4". */
function wholeNumberIn(value: string, min: number, max: number): boolean {
  if (!/^(0|[1-9]\d*)$/.test(value)) return false;
  const number = Number(value);
  return number >= min && number <= max;
}

/** The DM after an answer: says it was recorded, and never what it was. */
export function pulseAnsweredMessage(input: { title: string; k: number }): SlackMessage {
  const text = `Thanks — your answer to *${mrkdwnWithin(input.title, TITLE_IN_TEXT_LIMIT)}* was recorded anonymously.`;
  return { text, blocks: [section(`:white_check_mark: ${text}`), privacyContext(input.k)] };
}

export function alreadyAnsweredText(title: string): string {
  return `You already answered *${mrkdwnWithin(title, TITLE_IN_TEXT_LIMIT)}* — one answer per person, and it can't be changed.`;
}

export function notInvitedText(): string {
  return "This pulse wasn't sent to you, so there is nothing to answer here.";
}

export function roundClosedText(title: string): string {
  return `*${mrkdwnWithin(title, TITLE_IN_TEXT_LIMIT)}* has closed, so it no longer takes answers. Thanks to everyone who answered.`;
}

export type { HeadlineFigures, PulseStatusInput } from '../pulse.types';

/**
 * `/pulse` for an agent: their open pulses, then their team's last shareable results.
 * Results of fewer than k respondents are never shown, even if handed in.
 */
export function pulseStatusMessage(input: PulseStatusInput): SlackMessage {
  const blocks: KnownBlock[] = [];
  const { openRounds } = input;
  if (openRounds.length === 0) {
    blocks.push(section('No open pulse right now.'));
  } else {
    blocks.push(section(openRounds.length === 1 ? '*Your open pulse*' : '*Your open pulses*'));
    for (const round of openRounds.slice(0, STATUS_ROUND_LIMIT)) {
      const count = `${round.questionCount} ${round.questionCount === 1 ? 'question' : 'questions'}`;
      const until = formatDateTime(round.closesAt, input.timeZone);
      blocks.push({
        ...section(
          `*${mrkdwnWithin(round.title, TITLE_IN_TEXT_LIMIT)}*\n${count} · open until ${until}`,
        ),
        accessory: answerButton(round.roundId),
      });
    }
    if (openRounds.length > STATUS_ROUND_LIMIT) {
      blocks.push(section(`… and ${openRounds.length - STATUS_ROUND_LIMIT} more.`));
    }
  }
  blocks.push({ type: 'divider' });

  const results = input.teamResults;
  if (results && results.respondents >= input.k) {
    const heading = [
      `*Your team’s latest results — ${mrkdwnWithin(results.title, TITLE_IN_TEXT_LIMIT)}*`,
      `Closed ${formatDate(results.closedAt, input.timeZone)} · ${results.respondents} answers`,
    ];
    const lines = results.highlights.map(
      (h) => `• ${mrkdwnWithin(h.prompt, PROMPT_IN_LINE_LIMIT)} — ${headline(h) ?? 'not shown'}`,
    );
    blocks.push(section(fitLines([...heading, ...lines], SLACK_LIMITS.sectionText)));
  } else {
    blocks.push(
      section(
        `Your team’s results appear here once a round closes with at least ${input.k} answers.`,
      ),
    );
  }
  blocks.push(privacyContext(input.k));

  const fallback =
    openRounds.length === 0
      ? 'No open pulse right now.'
      : `You have ${openRounds.length} open ${openRounds.length === 1 ? 'pulse' : 'pulses'}.`;
  return { text: fallback, blocks };
}

export interface HrSummaryInput {
  title: string;
  closedAt: Date;
  respondents: number;
  invited: number;
  questions: ({ prompt: string } & HeadlineFigures)[];
  dashboardUrl: string;
}

/** The HR channel's note when a round closes: participation, a headline per question, a link. */
export function hrSummaryMessage(input: HrSummaryInput): SlackMessage {
  const title = mrkdwnWithin(input.title, TITLE_IN_TEXT_LIMIT);
  const rate =
    input.invited > 0 ? ` (${Math.round((input.respondents / input.invited) * 100)}%)` : '';
  const participation = `${input.respondents} of ${input.invited} invited answered${rate}`;
  const heading = [
    `:bar_chart: *Pulse closed: ${title}*`,
    `Closed ${formatDate(input.closedAt, 'UTC')} (UTC) · ${participation}`,
  ];
  const lines = input.questions.map(
    (q, index) =>
      `${index + 1}. ${mrkdwnWithin(q.prompt, PROMPT_IN_LINE_LIMIT)} — ${headline(q) ?? 'see the dashboard'}`,
  );
  return {
    text: `Pulse closed: ${title} — ${participation}.`,
    blocks: [
      section(fitLines(heading, SLACK_LIMITS.sectionText)),
      ...(lines.length > 0 ? [section(fitLines(lines, SLACK_LIMITS.sectionText))] : []),
      section(`<${escapeMrkdwn(input.dashboardUrl).replace(/\|/g, '%7C')}|Open the dashboard>`),
    ],
  };
}

/** The headline figures of a question, or null when none can be shown. */
function headline(figures: HeadlineFigures): string | null {
  const parts: string[] = [];
  if (figures.enps !== null) parts.push(`eNPS ${signed(Math.round(figures.enps))}`);
  // As results publish them: favorability is a percentage (0–100) of 4–5 answers on scale5.
  if (figures.favorability !== null) parts.push(`${Math.round(figures.favorability)}% favorable`);
  if (figures.mean !== null) parts.push(`mean ${figures.mean.toFixed(1)}`);
  return parts.length > 0 ? parts.join(' · ') : null;
}

function signed(value: number): string {
  return value > 0 ? `+${value}` : String(value);
}

// --- small builders and text helpers --------------------------------------------------------

function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function privacyContext(k: number): ContextBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: privacyLine(k) }] };
}

function plain(text: string, max: number): PlainTextElement {
  return { type: 'plain_text', text: cut(text, max), emoji: true };
}

function option(text: string, value: string): PlainTextOption {
  return { text: plain(text, SLACK_LIMITS.optionText), value };
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts text to at most `max` UTF-16 units, ending in "…", never splitting a character. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max - 1) break;
    out += char;
  }
  return `${out}…`;
}

/** Escapes for mrkdwn and cuts the escaped text to `max`, never splitting an entity. */
function mrkdwnWithin(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  let out = '';
  for (const char of text) {
    const piece = escapeMrkdwn(char);
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

/** Joins lines while they fit in `max`, then says how many were left out. */
function fitLines(lines: string[], max: number): string {
  const all = lines.join('\n');
  if (all.length <= max) return all;
  const reserve = `\n… and ${lines.length} more`.length;
  const kept: string[] = [];
  let length = 0;
  for (const line of lines) {
    const next = length + (kept.length > 0 ? 1 : 0) + line.length;
    if (next + reserve > max) break;
    kept.push(line);
    length = next;
  }
  return [...kept, `… and ${lines.length - kept.length} more`].join('\n');
}

/** "Thu 27 Nov, 17:00" in the given IANA zone; a zone luxon doesn't know falls back to UTC. */
function formatDateTime(date: Date, timeZone: string): string {
  const { local, suffix } = inZone(date, timeZone);
  return `${local.toFormat('ccc d LLL, HH:mm')}${suffix}`;
}

function formatDate(date: Date, timeZone: string): string {
  const { local } = inZone(date, timeZone);
  return local.toFormat('ccc d LLL yyyy');
}

function inZone(date: Date, timeZone: string): { local: DateTime; suffix: string } {
  const local = DateTime.fromJSDate(date, { zone: timeZone }).setLocale('en-US');
  if (local.isValid) return { local, suffix: '' };
  return { local: DateTime.fromJSDate(date, { zone: 'UTC' }).setLocale('en-US'), suffix: ' UTC' };
}
