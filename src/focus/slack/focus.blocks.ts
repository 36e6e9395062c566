/** Block Kit for /focus replies, built by pure functions. */
import type { KnownBlock } from '@slack/types';
import { DateTime } from 'luxon';
import type { FocusBlockEntity } from '../focus-block.entity';
import type { RecurringRule } from '../recurring-rule';
import { FOCUS_ACTIONS } from './focus.slack-ids';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const time = (d: Date, tz: string) => DateTime.fromJSDate(d, { zone: tz }).toFormat('HH:mm');
const day = (d: Date, tz: string) => DateTime.fromJSDate(d, { zone: tz }).toFormat('ccc d LLL');

/** "Focusing until 15:30 · deep work" or "Scheduled tomorrow 09:00–11:00", as plain text. */
function summary(block: FocusBlockEntity, tz: string, now: Date): string {
  const sameDay = day(block.startsAt, tz) === day(now, tz);
  const when =
    block.startsAt <= now
      ? `Focusing until ${time(block.endsAt, tz)}`
      : `Scheduled ${sameDay ? 'today' : day(block.startsAt, tz)} ${time(block.startsAt, tz)}–${time(block.endsAt, tz)}`;
  return `${when}${block.note ? ` · ${block.note}` : ''}`;
}

function describe(block: FocusBlockEntity, tz: string, now: Date): string {
  return `${block.startsAt <= now ? ':no_bell:' : ':calendar:'} ${escape(summary(block, tz, now))}`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function endButton(block: FocusBlockEntity, now: Date) {
  return {
    type: 'button' as const,
    action_id: FOCUS_ACTIONS.endNow,
    text: { type: 'plain_text' as const, text: block.startsAt <= now ? 'End now' : 'Cancel' },
    value: block.id,
  };
}

export function connectSection(connectUrl: string): KnownBlock {
  return {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: 'Connect your Slack account so Pulsedesk can set your status and pause notifications for your focus blocks. Your block is recorded either way.',
    },
    accessory: {
      type: 'button',
      action_id: FOCUS_ACTIONS.connect,
      text: { type: 'plain_text', text: 'Connect' },
      url: connectUrl,
      style: 'primary',
    },
  };
}

export function blockCreatedMessage(
  block: FocusBlockEntity,
  tz: string,
  now: Date,
  connectUrl: string | null,
  merged = false,
): SlackMessage {
  // A request overlapping the agent's own block grew that block instead of adding another.
  const prefix = merged ? 'Merged with your block: ' : '';
  const line = `${prefix}${describe(block, tz, now)}`;
  return {
    text: `${prefix}${summary(block, tz, now)}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: line }, accessory: endButton(block, now) },
      ...(connectUrl ? [connectSection(connectUrl)] : []),
    ],
  };
}

export function focusStatusMessage(
  blocks: FocusBlockEntity[],
  tz: string,
  now: Date,
  connectUrl: string | null,
): SlackMessage {
  if (blocks.length === 0) {
    const text = 'No focus block now or coming up. Try `/focus 45m deep work`.';
    return {
      text,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text } },
        ...(connectUrl ? [connectSection(connectUrl)] : []),
      ],
    };
  }
  return {
    text: `${blocks.length} focus block${blocks.length === 1 ? '' : 's'}`,
    blocks: [
      ...blocks.map((b): KnownBlock => ({
        type: 'section',
        text: { type: 'mrkdwn', text: describe(b, tz, now) },
        accessory: endButton(b, now),
      })),
      ...(connectUrl ? [connectSection(connectUrl)] : []),
    ],
  };
}

export function refusedMessage(
  nextFit: Date | null,
  minOnDuty: number,
  tz: string,
  now: Date,
): SlackMessage {
  const when = nextFit
    ? ` It would fit from ${day(nextFit, tz) === day(now, tz) ? '' : `${day(nextFit, tz)} `}${time(nextFit, tz)}.`
    : ' No time in the next 7 days fits; ask your lead.';
  const text = `That block would leave your team with fewer than ${minOnDuty} agents on duty.${when}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

export function plainMessage(text: string): SlackMessage {
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** The reply to a recurring /focus: the rule, the next occurrence, and any refused by coverage. */
export function recurringMessage(
  rule: Pick<RecurringRule, 'localStart' | 'durationMinutes' | 'note'>,
  created: FocusBlockEntity[],
  refused: Date[],
  tz: string,
  connectUrl: string | null,
): SlackMessage {
  const next = created[0];
  const lines = [
    `:repeat: Recurring focus at ${rule.localStart} for ${rule.durationMinutes} min${rule.note ? ` · ${escape(rule.note)}` : ''}: ${created.length} block${created.length === 1 ? '' : 's'} in the next two weeks.`,
    next
      ? `Next: ${day(next.startsAt, tz)} ${time(next.startsAt, tz)}–${time(next.endsAt, tz)}.`
      : 'None fits in the next two weeks.',
    ...(refused.length
      ? [
          `Not scheduled (your team would be short-staffed): ${refused.map((d) => `${day(d, tz)} ${time(d, tz)}`).join(', ')}.`,
        ]
      : []),
  ];
  const text = lines.join('\n');
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      ...(connectUrl ? [connectSection(connectUrl)] : []),
    ],
  };
}
