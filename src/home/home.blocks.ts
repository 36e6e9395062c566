/** The App Home tab, built by a pure function from what the services report. */
import type { KnownBlock, View } from '@slack/types';
import { DateTime } from 'luxon';
import { FOCUS_ACTIONS } from '../focus/slack/focus.slack-ids';
import { PULSE_ACTIONS } from '../pulse/slack/pulse.slack-ids';

/** Buttons of the App Home tab; after each, the tab is published again. */
export const HOME_ACTIONS = {
  /** End the running block, or cancel the scheduled one; value = block id. */
  endFocus: 'home_focus_end',
  /** Start the next scheduled block now; value = block id. */
  startNow: 'home_focus_start_now',
  /** Focus from now for `value` minutes. */
  quickFocus: 'home_focus_quick',
} as const;

/** Reaction buttons of the tab's stories: `home_story_react_clap`, … ; value = story id. */
export const HOME_REACT_PATTERN = /^home_story_react_(clap|heart|raised_hands)$/;
/** Turns the weekly story prompt on or off; value = "on" | "off". */
export const HOME_STORY_PROMPT_ACTION = 'home_story_prompt';
export const homeReactActionId = (kind: string): string => `home_story_react_${kind}`;

/** The quick-start lengths offered when no block is running (minutes). */
export const QUICK_FOCUS_MINUTES = [30, 60, 90] as const;

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
  /** The latest published stories with their reaction buttons, rendered by the stories feature. */
  stories: KnownBlock[];
  /** Whether the person gets the weekly story prompt. */
  storyPromptOn: boolean;
  /** One line about the button just pressed (e.g. refused by the coverage guard). */
  notice?: string | null;
}

const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

/** 30 → "30 min", 60 → "1 h", 90 → "1 h 30". */
function duration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m ? `${h} h ${m}` : `${h} h`;
}

function button(text: string, actionId: string, value: string, style?: 'primary') {
  return {
    type: 'button' as const,
    action_id: actionId,
    text: { type: 'plain_text' as const, text },
    value,
    ...(style ? { style } : {}),
  };
}

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
  if (data.notice) blocks.push(section(`:information_source: ${esc(data.notice)}`));
  const [current] = data.focus.filter((b) => b.startsAt <= data.now);
  const [next] = data.focus.filter((b) => b.startsAt > data.now);
  const note = (b: HomeData['focus'][number]) => (b.note ? ` · ${esc(b.note)}` : '');
  if (current) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `:no_bell: Focusing until ${at(current.endsAt, 'HH:mm')}${note(current)}`,
      },
      accessory: button('End now', HOME_ACTIONS.endFocus, current.id),
    });
  } else {
    blocks.push(section(next ? 'Not focusing right now.' : 'No focus block.'), {
      type: 'actions',
      elements: QUICK_FOCUS_MINUTES.map((minutes) =>
        button(`Focus ${duration(minutes)}`, HOME_ACTIONS.quickFocus, String(minutes)),
      ),
    });
  }
  if (next) {
    blocks.push(
      section(`:calendar: Next: ${at(next.startsAt)}–${at(next.endsAt, 'HH:mm')}${note(next)}`),
      {
        type: 'actions',
        elements: [
          // Only when nothing runs: a block starting early while another runs would merge.
          ...(current ? [] : [button('Start now', HOME_ACTIONS.startNow, next.id, 'primary')]),
          button('Cancel', HOME_ACTIONS.endFocus, next.id),
        ],
      },
    );
  }
  if (!current && !next) blocks.push(section('Or type `/focus 45m deep work`.'));
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
  blocks.push(...data.stories);
  blocks.push({
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: data.storyPromptOn
        ? ':writing_hand: You get a weekly story prompt on Fridays at the end of your day.'
        : ':writing_hand: Want a nudge? Get one question a week, on Fridays at the end of your day.',
    },
    accessory: data.storyPromptOn
      ? button('Stop the prompt', HOME_STORY_PROMPT_ACTION, 'off')
      : button('Prompt me weekly', HOME_STORY_PROMPT_ACTION, 'on'),
  });
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
