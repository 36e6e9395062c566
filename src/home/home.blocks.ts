/** The App Home tab, built by a pure function from what the services report. */
import type { KnownBlock, View } from '@slack/types';
import { DateTime } from 'luxon';
import { FOCUS_ACTIONS } from '../focus/slack/focus.slack-ids';
import { PULSE_ACTIONS } from '../pulse/slack/pulse.slack-ids';

export interface HomeData {
  timeZone: string;
  now: Date;
  openPulses: { roundId: string; title: string; closesAt: Date }[];
  focus: { id: string; startsAt: Date; endsAt: Date; note: string | null }[];
  connected: boolean;
  connectUrl: string;
  /** For leads: who on their team is heads-down now (presence, not history). */
  board: {
    team: string;
    onDuty: number;
    minOnDuty: number;
    focusing: { name: string; until: Date }[];
  } | null;
}

const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

export function homeView(data: HomeData): View {
  const at = (d: Date, fmt = 'ccc d LLL, HH:mm') =>
    DateTime.fromJSDate(d, { zone: data.timeZone }).toFormat(fmt);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Pulsedesk' } },
  ];

  blocks.push(section('*Pulse checks*'));
  if (data.openPulses.length === 0) blocks.push(section('No open pulse right now.'));
  for (const pulse of data.openPulses.slice(0, 10)) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*${esc(pulse.title)}*\nOpen until ${at(pulse.closesAt)}` },
      accessory: {
        type: 'button',
        action_id: PULSE_ACTIONS.openModal,
        style: 'primary',
        text: { type: 'plain_text', text: 'Answer' },
        value: pulse.roundId,
      },
    });
  }

  blocks.push({ type: 'divider' }, section('*Focus time*'));
  const [current] = data.focus.filter((b) => b.startsAt <= data.now);
  const [next] = data.focus.filter((b) => b.startsAt > data.now);
  for (const block of [current, next].filter(Boolean)) {
    const running = block.startsAt <= data.now;
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${running ? ':no_bell: Focusing until ' + at(block.endsAt, 'HH:mm') : ':calendar: Next: ' + at(block.startsAt) + '–' + at(block.endsAt, 'HH:mm')}${block.note ? ` · ${esc(block.note)}` : ''}`,
      },
      accessory: {
        type: 'button',
        action_id: FOCUS_ACTIONS.endNow,
        text: { type: 'plain_text', text: running ? 'End now' : 'Cancel' },
        value: block.id,
      },
    });
  }
  if (!current && !next)
    blocks.push(section('No focus block. Type `/focus 45m deep work` to start one.'));
  if (!data.connected) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: 'Connect Slack so Pulsedesk can set your status and pause notifications during focus blocks.',
      },
      accessory: {
        type: 'button',
        action_id: FOCUS_ACTIONS.connect,
        text: { type: 'plain_text', text: 'Connect' },
        url: data.connectUrl,
      },
    });
  }

  if (data.board) {
    const { board } = data;
    blocks.push(
      { type: 'divider' },
      section(`*${esc(board.team)}: ${board.onDuty} on duty* (minimum ${board.minOnDuty})`),
    );
    blocks.push(
      section(
        board.focusing.length
          ? board.focusing
              .map((f) => `• ${esc(f.name)}, heads-down until ${at(f.until, 'HH:mm')}`)
              .join('\n')
          : 'Nobody is heads-down right now.',
      ),
    );
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: ':lock: Pulsedesk records whether you answered a pulse, never what.',
      },
    ],
  });
  return { type: 'home', blocks };
}
