/**
 * The world bench/focus-sync runs in: one Slack workspace on the stand-in whose agents all have
 * user tokens, the app's people imported through `POST /api/people/sync` and connected (their
 * tokens stored encrypted, exactly as PeopleService.connectUserToken stores them), and signed
 * `/focus` slash commands sent to the app replicas in turn, as a load balancer would.
 */
import { Client } from 'pg';
import { TokenCipher } from '../../src/common/token-cipher';
import { signSlackRequest, slashCommandBody } from '../../test/support/slack-signing';
import { SlackStandIn } from '../../test/support/slack-stand-in';
import { keepAliveAgent, percentile, send } from './harness';

export interface Agent {
  slackUserId: string;
  token: string;
}

/** The scopes /slack/connect asks for (what the stand-in's user tokens carry by default). */
const USER_SCOPES = 'users:read,users.profile:read,users.profile:write,dnd:read,dnd:write';

/**
 * `count` agents in `teamId`, all in UTC (so `/focus HH:MM` means the same instant for all),
 * each with a user token; every third has a status of their own, which the block must keep.
 */
export function seedAgents(slack: SlackStandIn, teamId: string, count: number): Agent[] {
  const agents: Agent[] = [];
  for (let i = 0; i < count; i++) {
    const slackUserId = `UF${String(i).padStart(8, '0')}`;
    slack.addUser({
      id: slackUserId,
      teamId,
      name: `agent-${i}`,
      tz: 'UTC',
      profile: i % 3 === 0 ? { status_text: 'On the phones', status_emoji: ':telephone:' } : {},
    });
    agents.push({ slackUserId, token: slack.issueUserToken(teamId, slackUserId) });
  }
  return agents;
}

/**
 * Stores each agent's user token encrypted with the app's own TokenCipher and key — the row
 * PeopleService.connectUserToken writes after /slack/connect, in one statement for all.
 */
export async function connectAgents(
  sql: Client,
  encryptionKey: Buffer,
  agents: Agent[],
): Promise<number> {
  const cipher = new TokenCipher(encryptionKey);
  const res = await sql.query(
    `UPDATE people p
        SET user_token_enc = v.enc, user_scopes = $3, connected_at = now()
       FROM unnest($1::text[], $2::text[]) AS v(slack_user_id, enc)
      WHERE p.slack_user_id = v.slack_user_id`,
    [agents.map((a) => a.slackUserId), agents.map((a) => cipher.encrypt(a.token)), USER_SCOPES],
  );
  return res.rowCount ?? 0;
}

export interface CommandRun {
  sent: number;
  errors: number;
  firstError?: string;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
}

/**
 * One signed `/focus <text>` per agent, spread over the app replicas round-robin, `concurrency`
 * at a time in all. A command counts as an error unless the app acks 200 with a created block
 * (its reply offers "Cancel" for a block that has not started yet).
 */
export async function sendFocusCommands(options: {
  appUrls: string[];
  signingSecret: string;
  teamId: string;
  agents: Agent[];
  text: string;
  concurrency: number;
}): Promise<CommandRun> {
  const { appUrls, agents } = options;
  const httpAgents = appUrls.map(() =>
    keepAliveAgent(Math.ceil(options.concurrency / appUrls.length)),
  );
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= agents.length) return;
        const body = slashCommandBody({
          command: '/focus',
          text: options.text,
          userId: agents[i].slackUserId,
          teamId: options.teamId,
        });
        const replica = i % appUrls.length;
        const t0 = performance.now();
        try {
          const res = await send(httpAgents[replica], appUrls[replica], {
            method: 'POST',
            path: '/slack/events',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              ...signSlackRequest(body, options.signingSecret),
            },
            body,
          });
          if (res.status !== 200 || !res.body.includes('"Cancel"')) {
            errors++;
            firstError ??= `${res.status} ${res.body.slice(0, 300)}`;
          }
        } catch (err) {
          errors++;
          firstError ??= (err as Error).message;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const a of httpAgents) a.destroy();
  latencies.sort((a, b) => a - b);
  return {
    sent: agents.length,
    errors,
    firstError,
    seconds,
    rps: agents.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
  };
}

/**
 * The `/focus` text for a block from `start` (a whole UTC minute) lasting `minutes`, for agents
 * in UTC: `HH:MM-HH:MM` today, with `tomorrow` when the start falls after midnight. A range
 * cannot cross midnight, so a block that would is cut to end at 24:00.
 */
export function focusText(start: Date, minutes: number, now: Date, note: string): string {
  const hhmm = (d: Date) =>
    `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  const end = new Date(start.getTime() + minutes * 60_000);
  const sameDay = end.getUTCDate() === start.getUTCDate();
  const day = start.getUTCDate() === now.getUTCDate() ? '' : 'tomorrow ';
  return `${day}${hhmm(start)}-${sameDay ? hhmm(end) : '24:00'} ${note}`;
}

/** The first whole minute at least `leadMs` from now. */
export function nextMinute(now: number, leadMs: number): Date {
  return new Date(Math.ceil((now + leadMs) / 60_000) * 60_000);
}
