/** Block Kit for the pulse feature, built by pure functions (tested in pulse.blocks.spec.ts). */
import type { KnownBlock } from '@slack/types';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export function pulseHelpMessage(anonymityThreshold: number): SlackMessage {
  const lines = [
    '*Pulsedesk* keeps a support team healthy from inside Slack:',
    '• *Pulse checks*: short anonymous check-ins by DM. Answer with one tap.',
    `• *Anonymity*: Pulsedesk records _whether_ you answered (to remind you once), never _what_ next to your name. Results only show for groups of at least ${anonymityThreshold} people.`,
    '• *Stories*: `/story` shares a moment from your work with the team.',
    '• *Focus time*: `/focus 45m deep work` sets your status and pauses notifications, then puts everything back.',
  ];
  const commands = [
    '`/pulse` your open pulse and your team’s latest results',
    '`/pulse dashboard` a sign-in link to the dashboard (HR leads and admins)',
    '`/pulse help` this message',
  ];
  return {
    text: 'Pulsedesk: anonymous pulse checks, stories and focus time for your support team.',
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
