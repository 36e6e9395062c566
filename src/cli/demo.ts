/**
 * `npm run demo`: seeds a synthetic workspace so a newcomer sees a living dashboard, then
 * prints a sign-in link. Teams, ~60 people, a year of weekly pulse rounds opened, answered and
 * closed through the real services (RoundOpeningService.openNow, ResponsesService.answer — sealed
 * ballots — and RoundClosingService.close, so anonymity and suppression are the real ones), and a few
 * focus blocks running now. The workspace and its people stand in for a Slack install and a
 * users.list import (no Slack is called). Time is a clock the seeder moves week by week.
 *
 *   npm run demo                 seed (refuses a database that holds real workspaces)
 *   npm run demo -- --force      seed beside real workspaces anyway
 *   npm run demo -- --weeks 8    fewer weeks (default 52)
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { SessionsService } from '../auth/sessions/sessions.service';
import { Clock } from '../common/clock';
import { resolveEncryptionKey } from '../common/token-cipher';
import { ConfigError, loadConfig } from '../config/config';
import { migrate, openDatabase } from '../database/database';
import { FocusService } from '../focus/focus.service';
import { PeopleService } from '../people/people.service';
import { ResponsesService } from '../pulse/responses.service';
import { RoundClosingService } from '../pulse/round-closing.service';
import { RoundOpeningService } from '../pulse/round-opening.service';
import { SurveysService } from '../pulse/surveys.service';
import { StoriesService } from '../stories/stories.service';
import type { NewStory } from '../stories/stories.types';
import { TeamsService } from '../teams/teams.service';

export const DEMO_TEAM_ID = 'TDEMO00001';
const DAY = 24 * 3600_000;
const TEAMS = [
  { name: 'Tier 1', size: 22, mood: 0.2, minOnDuty: 12 },
  { name: 'Tier 2', size: 16, mood: 0.5, minOnDuty: 8 },
  { name: 'Billing', size: 12, mood: -0.3, minOnDuty: 5 },
  { name: 'Escalations', size: 6, mood: 0.1, minOnDuty: 3 },
  // Below k: always suppressed, as the heatmap shows.
  { name: 'Night shift', size: 3, mood: -0.1, minOnDuty: 1 },
];
const QUESTIONS = [
  { id: 'workload', kind: 'scale5' as const, prompt: 'My workload this week was manageable.' },
  { id: 'supported', kind: 'scale5' as const, prompt: 'I felt supported by my team this week.' },
  {
    id: 'enps',
    kind: 'enps' as const,
    prompt: 'How likely are you to recommend working on this team to a friend?',
  },
  { id: 'comment', kind: 'text' as const, prompt: 'Anything you want HR to know?' },
];
const COMMENTS = [
  'The new macros saved me a lot of time.',
  'Backlog after the release was rough.',
  'Thanks to the team for covering my shift.',
  'More quiet time for tricky tickets, please.',
  'Tooling was slow again on Monday.',
];

/** Shared from Slack through StoriesService, most approved by HR, the last two left to review. */
const STORIES: NewStory[] = [
  {
    title: 'The refund that saved a wedding',
    body: 'A customer wrote at 11pm: her order for the wedding the next day had shipped to the wrong town. Billing and Tier 2 found a courier together and the dress arrived at 9. She sent us a photo.',
    tags: ['customer_win', 'teamwork'],
    anonymous: false,
  },
  {
    title: 'Why I do this',
    body: 'An elderly customer called three times about the same setting. The third time we went through it slowly, together, and he thanked me for not rushing him. That is the job for me.',
    tags: ['why_i_do_this'],
    anonymous: true,
  },
  {
    title: 'What I learnt from a furious ticket',
    body: 'The angriest ticket of my week was right: our docs were wrong. I rewrote the article and the same question has not come back since.',
    tags: ['learning', 'customer_win'],
    anonymous: false,
  },
  {
    title: 'Taking the break',
    body: 'After a hard escalation I booked thirty minutes of focus time and took a walk. The next call went much better. Breaks are part of the work.',
    tags: ['self_care'],
    anonymous: true,
  },
  {
    title: 'Covering the night shift',
    body: 'Two of us were out sick and Escalations stepped in for the night queue without being asked. Thank you all.',
    tags: ['teamwork'],
    anonymous: false,
  },
  {
    title: 'A macro that pays for itself',
    body: 'I built a macro for the shipping-delay reply and shared it with the team: it saves each of us a few minutes on every such ticket.',
    tags: ['learning'],
    anonymous: false,
  },
];

/** A clock the seeder sets: the services stamp what they write with the week being seeded. */
class SeedClock extends Clock {
  private at = Date.now();
  now(): Date {
    return new Date(this.at);
  }
  set(at: Date): void {
    this.at = at.getTime();
  }
  sleep(ms: number): Promise<void> {
    this.at += ms;
    return Promise.resolve();
  }
}

/** Deterministic noise, so two seeds tell the same story. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function clamp(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.round(n)));
}

function parseArgs(argv: string[]): { force: boolean; weeks: number } {
  const weeksAt = argv.indexOf('--weeks');
  const weeks = weeksAt >= 0 ? Number(argv[weeksAt + 1]) : 52;
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > 104) {
    throw new Error('--weeks must be a whole number from 1 to 104');
  }
  return { force: argv.includes('--force'), weeks };
}

function progress(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const database = await openDatabase(config);
  await migrate(database.url);
  const key = resolveEncryptionKey(config.encryptionKey, config.dataDir);
  const clock = new SeedClock();
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({
      config,
      databaseUrl: database.url,
      encryptionKey: key.key,
      previousEncryptionKey: config.previousEncryptionKey,
      clock,
      runJobs: false,
    }),
    { logger: false },
  );
  await app.init();
  try {
    const db = app.get(DataSource);
    const existing: { slack_team_id: string }[] = await db.query(
      `SELECT slack_team_id FROM workspaces`,
    );
    if (existing.some((w) => w.slack_team_id === DEMO_TEAM_ID)) {
      progress('The demo workspace is already seeded.');
    } else {
      if (existing.length > 0 && !args.force) {
        process.stderr.write(
          `This database holds ${existing.length} real workspace(s); the demo would sit beside them. Refusing. Run \`npm run demo -- --force\` to seed anyway, or use another DATA_DIR / DATABASE_URL.\n`,
        );
        process.exitCode = 2;
        return;
      }
      await seed(app, clock, args.weeks);
    }
    clock.set(new Date());
    const admin: { slack_user_id: string }[] = await db.query(
      `SELECT p.slack_user_id FROM people p JOIN workspaces w ON w.id = p.workspace_id
        WHERE w.slack_team_id = $1 AND p.role = 'admin' LIMIT 1`,
      [DEMO_TEAM_ID],
    );
    const link = await app
      .get(SessionsService)
      .linkForSlackUser(DEMO_TEAM_ID, admin[0].slack_user_id);
    if (link.status !== 'link') throw new Error('the demo admin cannot sign in');
    progress(
      `Demo ready. Start the app (npm start), then open this one-time link within 15 minutes: ${link.url}`,
    );
  } finally {
    await app.close();
    await database.stop();
  }
}

type App = Awaited<ReturnType<typeof NestFactory.createApplicationContext>>;

async function seed(app: App, clock: SeedClock, weeks: number): Promise<void> {
  const db = app.get(DataSource);
  const rand = random(42);
  const start = new Date(Date.now() - weeks * 7 * DAY);
  clock.set(start);
  // The workspace and its people stand in for a Slack install and users.list (no Slack here).
  const [{ id: workspaceId }] = await db.query(
    `INSERT INTO workspaces (slack_team_id, name, installed_by_slack_user_id)
     VALUES ($1, 'Demo Support Co', 'UDEMO00001') RETURNING id`,
    [DEMO_TEAM_ID],
  );
  const teams = app.get(TeamsService);
  const people: { slackUserId: string; team: (typeof TEAMS)[number] }[] = [];
  let n = 0;
  for (const team of TEAMS) {
    const created = await teams.create(workspaceId, {
      name: team.name,
      minOnDuty: team.minOnDuty,
    });
    for (let i = 0; i < team.size; i++) {
      const slackUserId = `UDEMO${String(++n).padStart(5, '0')}`;
      await db.query(
        `INSERT INTO people (workspace_id, slack_user_id, name, real_name, tz, tz_offset, team_id, role)
         VALUES ($1, $2, $3, $3, $4, 0, $5, $6)`,
        [
          workspaceId,
          slackUserId,
          `${team.name.toLowerCase().replace(/\s/g, '-')}-${i + 1}`,
          i % 3 === 0 ? 'Europe/Paris' : 'America/New_York',
          created.id,
          n === 1 ? 'admin' : i === 0 ? 'lead' : 'agent',
        ],
      );
      people.push({ slackUserId, team });
    }
  }
  // HR sits outside the teams.
  await db.query(
    `INSERT INTO people (workspace_id, slack_user_id, name, real_name, tz, role)
     VALUES ($1, 'UDEMOHR001', 'hr-lead', 'HR Lead', 'Europe/Paris', 'hr')`,
    [workspaceId],
  );
  progress(`Seeded ${TEAMS.length} teams and ${people.length + 1} people.`);
  const survey = await app.get(SurveysService).create(workspaceId, {
    title: 'Weekly pulse',
    questions: QUESTIONS.map((q) => ({ ...q })),
    windowHours: 72,
  } as never);
  const roundOpening = app.get(RoundOpeningService);
  const roundClosing = app.get(RoundClosingService);
  const responses = app.get(ResponsesService);
  for (let week = 0; week < weeks; week++) {
    const openedAt = new Date(start.getTime() + week * 7 * DAY);
    clock.set(openedAt);
    const { round } = await roundOpening.openNow(workspaceId, survey.id);
    clock.set(new Date(openedAt.getTime() + 3600_000));
    const answerable = await responses.roundToAnswer(DEMO_TEAM_ID, round.id);
    if (!answerable) throw new Error(`round ${round.id} cannot be answered`);
    const season = Math.sin((week / 52) * 2 * Math.PI);
    let answered = 0;
    for (const person of people) {
      if (rand() > 0.82 + 0.1 * season) continue;
      const mood = person.team.mood + 0.4 * season + (rand() - 0.5) * 1.6;
      const comment = rand() < 0.12 ? COMMENTS[Math.floor(rand() * COMMENTS.length)] : '';
      const outcome = await responses.answer(answerable, person.slackUserId, [
        { questionId: 'workload', value: String(clamp(3.4 + mood * 1.2, 1, 5)) },
        { questionId: 'supported', value: String(clamp(3.8 + mood, 1, 5)) },
        { questionId: 'enps', value: String(clamp(7.5 + mood * 2.5, 0, 10)) },
        { questionId: 'comment', value: comment },
      ]);
      if (outcome.status === 'recorded') answered++;
    }
    clock.set(new Date(openedAt.getTime() + 2 * DAY));
    await roundClosing.close(workspaceId, round.id);
    progress(`Week ${week + 1}/${weeks}: round answered by ${answered}, closed.`);
  }
  // Focus blocks running now, so the focus board has someone heads-down.
  clock.set(new Date());
  const focus = app.get(FocusService);
  const peopleService = app.get(PeopleService);
  let blocks = 0;
  for (const person of people.filter((_, i) => i % 9 === 1)) {
    const entity = await peopleService.get(workspaceId, person.slackUserId);
    const now = clock.now();
    const outcome = await focus.create(entity, {
      start: new Date(now.getTime() - 10 * 60_000),
      end: new Date(now.getTime() + 50 * 60_000),
      note: 'Deep work on a tricky ticket',
      source: 'command',
    });
    if ((outcome as { status?: string }).status !== 'refused') blocks++;
  }
  progress(`Seeded ${blocks} focus blocks running now.`);
  // Stories, shared over the last weeks through the same service as /story; moderation is on.
  const stories = app.get(StoriesService);
  for (const [i, story] of STORIES.entries()) {
    clock.set(new Date(Date.now() - (STORIES.length - i) * 3 * DAY));
    await stories.share(DEMO_TEAM_ID, people[(i * 7) % people.length].slackUserId, story);
  }
  const pending = (
    await stories.feed(
      { workspaceId, role: 'hr', teamId: null, via: 'operator' },
      { status: 'pending', limit: STORIES.length },
    )
  ).items;
  // Oldest first, the way HR works through the queue; the two newest wait for review.
  for (const story of [...pending].reverse().slice(0, STORIES.length - 2)) {
    await stories.decide(
      { workspaceId, slackUserId: 'UDEMOHR001', via: 'dashboard' },
      story.id,
      'approve',
    );
  }
  clock.set(new Date());
  progress(`Seeded ${STORIES.length} stories, ${STORIES.length - 2} of them approved.`);
}

main().catch((err: Error) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`Demo seeding failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
