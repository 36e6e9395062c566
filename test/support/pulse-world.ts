/**
 * A workspace for pulse tests: the stand-in seeded with agents in teams, the app with that
 * workspace installed and its people imported and assigned, plus helpers that answer through
 * signed Slack requests exactly as Slack would send them.
 */
import request from 'supertest';
import { DataSource } from 'typeorm';
import { PeopleService } from '../../src/people/people.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { eventually } from './eventually';
import { SlackStandIn } from './slack-stand-in';
import {
  blockActionsPayload,
  interactionBody,
  ModalAnswers,
  pulseAnswerPayload,
  signSlackRequest,
  slashCommandBody,
} from './slack-signing';
import {
  startTestApp,
  TEST_ADMIN_TOKEN,
  TEST_SIGNING_SECRET,
  TestApp,
  TestAppOptions,
} from './test-app';

export interface PulseWorld {
  slack: SlackStandIn;
  t: TestApp;
  teamId: string;
  admin: Record<string, string>;
  /** team name → Slack user ids */
  members: Record<string, string[]>;
  teamIds: Record<string, string>;
  close(): Promise<void>;
}

export async function pulseWorld(
  teams: Record<string, number>,
  /** socketMode: Slack reaches the app over Socket Mode (SLACK_APP_TOKEN), not signed HTTP. */
  options: { teamId?: string; app?: TestAppOptions; socketMode?: boolean } = {},
): Promise<PulseWorld> {
  const teamId = options.teamId ?? 'T0PULSE01';
  const slack = await SlackStandIn.start();
  slack.addTeam({ id: teamId, name: 'Pulse Support' });
  const members: Record<string, string[]> = {};
  let n = 0;
  for (const [name, size] of Object.entries(teams)) {
    members[name] = [];
    for (let i = 0; i < size; i++) {
      const id = `U${name.toUpperCase().slice(0, 3)}${String(++n).padStart(4, '0')}`;
      slack.addUser({
        id,
        teamId,
        name: `${name}-${i}`,
        tz: i % 2 ? 'Europe/Paris' : 'America/New_York',
      });
      members[name].push(id);
    }
  }
  const t = await startTestApp({
    slack,
    ...options.app,
    env: {
      SLACK_BOT_TOKEN: slack.issueBotToken(teamId),
      ...(options.socketMode
        ? { SLACK_APP_TOKEN: slack.issueAppToken(), SLACK_SIGNING_SECRET: undefined }
        : {}),
      ...options.app?.env,
    },
  });
  const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  await request(t.url).post('/api/people/sync').set(admin).expect(200);
  const teamIds: Record<string, string> = {};
  for (const [name, ids] of Object.entries(members)) {
    teamIds[name] = (
      await request(t.url).post('/api/teams').set(admin).send({ name }).expect(201)
    ).body.id;
    for (const id of ids)
      await request(t.url)
        .patch(`/api/people/${id}`)
        .set(admin)
        .send({ teamId: teamIds[name] })
        .expect(200);
  }
  return {
    slack,
    t,
    teamId,
    admin,
    members,
    teamIds,
    close: async () => {
      await t.close();
      await slack.stop();
    },
  };
}

/**
 * A slash command as Slack sends it, with a response_url at the stand-in. The reply is the
 * acknowledgement's text or — when the app acknowledged empty and answered later, as it does
 * when the work outlasts its 2-second budget under load — what it posted to response_url.
 */
export async function slashCommand(
  world: PulseWorld,
  input: { command: string; text: string; userId: string },
  appUrl = world.t.url,
): Promise<{ status: number; text: string }> {
  const responseUrl = world.slack.responseUrl();
  const id = responseUrl.split('/').pop()!;
  const body = slashCommandBody({ ...input, teamId: world.teamId, responseUrl });
  const res = await request(appUrl)
    .post('/slack/events')
    .set('Content-Type', 'application/x-www-form-urlencoded')
    .set(signSlackRequest(body, TEST_SIGNING_SECRET) as unknown as Record<string, string>)
    .send(body);
  if (res.status !== 200 || res.text) return { status: res.status, text: res.text };
  const late = await eventually(() => world.slack.responses(id)[0], {
    what: `the reply to ${input.command} ${input.text}`,
  });
  return { status: 200, text: JSON.stringify(late.body) };
}

/** `/focus <text>` from `userId`, which the app must accept (200): its reply. */
export async function focusCommand(
  world: PulseWorld,
  userId: string,
  text: string,
  appUrl = world.t.url,
): Promise<{ status: number; text: string }> {
  const reply = await slashCommand(world, { command: '/focus', text, userId }, appUrl);
  expect(reply.status).toBe(200);
  return reply;
}

export function postSlack(
  world: PulseWorld,
  body: string,
  contentType = 'application/x-www-form-urlencoded',
) {
  return request(world.t.url)
    .post('/slack/events')
    .set('Content-Type', contentType)
    .set(signSlackRequest(body, TEST_SIGNING_SECRET) as unknown as Record<string, string>)
    .send(body);
}

export type { ModalAnswers };

/** Answers the modal: values keyed by question id (scores/options as Slack sends them; text as typed). */
export function submitModal(
  world: PulseWorld,
  userId: string,
  roundId: string,
  answers: ModalAnswers,
) {
  return postSlack(world, interactionBody(modalSubmissionPayload(world, userId, roundId, answers)));
}

/** The view_submission payload of the pulse modal, as Slack sends it over HTTP or Socket Mode. */
export function modalSubmissionPayload(
  world: PulseWorld,
  userId: string,
  roundId: string,
  answers: ModalAnswers,
): Record<string, unknown> {
  return pulseAnswerPayload({ teamId: world.teamId, userId, roundId, answers });
}

export function tapScore(
  world: PulseWorld,
  userId: string,
  roundId: string,
  score: number,
  channelId?: string,
) {
  const payload = blockActionsPayload({
    userId,
    teamId: world.teamId,
    actionId: `pulse_score_${score}`,
    blockId: 'pulse_scores',
    value: roundId,
    channelId: channelId ?? world.slack.dmChannelId(world.teamId, userId),
  });
  return postSlack(world, interactionBody(payload));
}

export function slashPulse(world: PulseWorld, userId: string, text = '') {
  return postSlack(
    world,
    slashCommandBody({ command: '/pulse', text, userId, teamId: world.teamId }),
  );
}

/** Waits until every invitee of the round got their DM (delivery runs in jobs, after the API answered). */
export async function deliveredTo(
  world: PulseWorld,
  roundId: string,
  count: number,
): Promise<void> {
  const ds = world.t.app.get(DataSource);
  await eventually(
    async () => {
      const [{ n }] = await ds.query(
        `SELECT count(*)::int AS n FROM round_invitations WHERE round_id = $1 AND delivered_at IS NOT NULL`,
        [roundId],
      );
      return n === count;
    },
    { what: `${count} DMs for round ${roundId}` },
  );
}

export async function installSecondWorkspace(
  world: PulseWorld,
  slackTeamId: string,
): Promise<void> {
  world.slack.addTeam({ id: slackTeamId, name: 'Other Co' });
  await world.t.app.get(WorkspacesService).saveInstallation({
    slackTeamId,
    name: 'Other Co',
    botToken: world.slack.issueBotToken(slackTeamId),
    botUserId: null,
    botScopes: null,
    installedBySlackUserId: null,
  });
}

/**
 * Gives each of `users` a user token with the focus scopes, as /slack/connect would after
 * Slack's consent screen; returns the token by user.
 */
export async function connectFocusTokens(
  w: PulseWorld,
  users: readonly string[],
): Promise<Map<string, string>> {
  const workspace = (await w.t.app.get(WorkspacesService).findBySlackTeamId(w.teamId))!;
  const tokens = new Map<string, string>();
  for (const user of users) {
    const token = w.slack.issueUserToken(w.teamId, user);
    tokens.set(user, token);
    await w.t.app
      .get(PeopleService)
      .connectUserToken(workspace.id, user, token, 'users.profile:write,dnd:write');
  }
  return tokens;
}
