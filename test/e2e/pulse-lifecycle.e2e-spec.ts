/**
 * The rest of a pulse's life: templates and survey validation, one-tap answers, /pulse for an
 * agent, the one reminder (by hand and timed), scheduled rounds at each agent's local time,
 * and the HR channel summary at close.
 */
import request from 'supertest';
import { DataSource } from 'typeorm';
import { RoundRemindersService } from '../../src/pulse/round-reminders.service';
import { RoundSchedulerService } from '../../src/pulse/round-scheduler.service';
import { eventually } from '../support/eventually';
import {
  deliveredTo,
  pulseWorld,
  PulseWorld,
  slashPulse,
  submitModal,
  tapScore,
} from '../support/pulse-world';
import { TestClock } from '../support/test-clock';

describe('pulse lifecycle', () => {
  let w: PulseWorld;
  let ds: DataSource;
  // Real time by default (jobs run on the queue's clock); the schedule test moves it.
  const clock = new TestClock(new Date());

  beforeAll(async () => {
    w = await pulseWorld({ night: 6, day: 5 }, { app: { clock } });
    ds = w.t.app.get(DataSource);
    w.slack.addChannel(w.teamId, 'C0HRDESK01', 'hr-desk');
    await request(w.t.url)
      .patch('/api/settings')
      .set(w.admin)
      .send({ hrChannelId: 'C0HRDESK01' })
      .expect(200);
  });

  afterAll(async () => {
    await w?.close();
  });

  const createSurvey = (body: object) =>
    request(w.t.url).post('/api/surveys').set(w.admin).send(body);

  describe('surveys', () => {
    it('lists the built-in templates, including the support bank', async () => {
      const res = await request(w.t.url).get('/api/surveys/templates').set(w.admin).expect(200);
      const ids = res.body.map((t: { id: string }) => t.id);
      expect(ids).toEqual(
        expect.arrayContaining([
          'weekly-pulse',
          'enps',
          'workload',
          'recognition',
          'wellbeing',
          'support-bank',
        ]),
      );
      const bank = res.body.find((t: { id: string }) => t.id === 'support-bank');
      expect(bank.questions.length).toBeGreaterThanOrEqual(14);
    });

    it.each([
      [{ title: 'x', questions: [] }, 'questions'],
      [
        { title: 'x', questions: [{ kind: 'stars', prompt: 'p' }] },
        'questions.kind must be one of',
      ],
      [{ title: 'x', questions: [{ kind: 'choice', prompt: 'p' }] }, 'needs 2 to 20 options'],
      [{ title: 'x', questions: [{ kind: 'text', prompt: 'p' }] }, 'at least one question'],
      [
        {
          title: 'x',
          questions: [
            { id: 'a', kind: 'scale5', prompt: 'p' },
            { id: 'a', kind: 'enps', prompt: 'q' },
          ],
        },
        'used twice',
      ],
      [
        {
          title: 'x',
          questions: [{ kind: 'scale5', prompt: 'p' }],
          schedule: { rrule: 'NOPE', localTime: '15:00' },
        },
        'schedule.rrule',
      ],
      [
        {
          title: 'x',
          questions: [{ kind: 'scale5', prompt: 'p' }],
          schedule: { rrule: 'FREQ=WEEKLY', localTime: '25:00' },
        },
        'schedule.localTime',
      ],
      ...(
        [
          ['FREQ=SECONDLY', 'FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY'],
          ['FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31', 'names no real date'],
          ['FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO', 'may not use BYSETPOS'],
          ['FREQ=YEARLY;UNTIL=20200101T000000Z', 'no occurrence within a year'],
        ] as const
      ).map(([rrule, message]): [object, string] => [
        {
          title: 'x',
          questions: [{ kind: 'scale5', prompt: 'p' }],
          schedule: { rrule, localTime: '15:00' },
        },
        message,
      ]),
      [
        {
          title: 'x',
          questions: [{ kind: 'scale5', prompt: 'p' }],
          windowHours: 24,
          reminderAfterHours: 30,
        },
        'reminderAfterHours',
      ],
      [
        {
          title: 'x',
          questions: [{ kind: 'scale5', prompt: 'p' }],
          audienceTeamIds: ['00000000-0000-4000-8000-000000000000'],
        },
        'Team was not found',
      ],
    ])(
      'refuses an invalid survey with a message naming the problem (%#)',
      async (body, message) => {
        const res = await createSurvey(body);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.body.message).toContain(message);
      },
    );
  });

  describe('a one-question pulse answered with one tap', () => {
    let roundId: string;

    beforeAll(async () => {
      const survey = await createSurvey({
        title: 'Energy check',
        questions: [{ kind: 'scale5', prompt: 'I had energy left at the end of my shift' }],
      }).expect(201);
      roundId = (
        await request(w.t.url)
          .post(`/api/surveys/${survey.body.id}/rounds`)
          .set(w.admin)
          .expect(201)
      ).body.id;
      await deliveredTo(w, roundId, 11);
    });

    it('offers score-first buttons in the DM and records a tap as the whole answer', async () => {
      const user = w.members.night[0];
      const dm = w.slack
        .messages(w.slack.dmChannelId(w.teamId, user))
        .find((m) => JSON.stringify(m.blocks).includes(roundId))!;
      const labels = JSON.stringify(dm.blocks).match(/"text":"(\d) · [^"]+"/g);
      expect(labels).toHaveLength(5);
      await tapScore(w, user, roundId, 4).expect(200);
      await tapScore(w, user, roundId, 2).expect(200);
      // Taps are acknowledged first and recorded right after.
      await eventually(async () => {
        const round = await request(w.t.url).get(`/api/rounds/${roundId}`).set(w.admin).expect(200);
        return round.body.participation.responded === 1;
      });
      await eventually(
        () =>
          w.slack
            .ephemerals()
            .some((e) => e.user === user && /already answered/.test(e.text ?? '')),
        {
          what: 'the polite refusal of the second tap',
        },
      );
    });

    it('shows an agent their open pulse with /pulse, and not once answered', async () => {
      const open = await slashPulse(w, w.members.night[1]).expect(200);
      expect(open.text).toContain(roundId);
      const answered = await slashPulse(w, w.members.night[0]).expect(200);
      expect(answered.text).toContain('No open pulse');
      expect(answered.text).not.toContain(roundId);
    });
  });

  describe('the one reminder', () => {
    let roundId: string;

    beforeAll(async () => {
      const survey = await createSurvey({
        title: 'Workload',
        questions: [
          { id: 'load', kind: 'scale5', prompt: 'My queue was manageable' },
          { id: 'note', kind: 'text', prompt: 'Anything else?' },
        ],
        windowHours: 48,
        reminderAfterHours: 24,
      }).expect(201);
      roundId = (
        await request(w.t.url)
          .post(`/api/surveys/${survey.body.id}/rounds`)
          .set(w.admin)
          .expect(201)
      ).body.id;
      await deliveredTo(w, roundId, 11);
      for (const user of w.members.night.slice(0, 4)) {
        await submitModal(w, user, roundId, { load: { kind: 'scale5', value: '4' } }).expect(200);
      }
    });

    it('queues the timed reminder for reminderAfterHours after opening', async () => {
      // Queued as the round opened (the test clock stands still), due 24 hours later: counted
      // on the queue's own clock, the database's.
      const [job] = await ds.query(
        `SELECT round(extract(epoch FROM j.start_after - j.created_on) * 1000)::float8 AS delay
           FROM pgboss.job j JOIN rounds r ON r.id::text = j.data->>'roundId'
          WHERE j.name = 'pulse.remind' AND r.id = $1`,
        [roundId],
      );
      expect(job.delay).toBe(24 * 3_600_000);
    });

    it('reaches exactly the 7 non-responders, once, and refuses a second reminder', async () => {
      w.slack.clearCalls();
      const res = await request(w.t.url)
        .post(`/api/rounds/${roundId}/remind`)
        .set(w.admin)
        .expect(200);
      expect(res.body).toEqual({ reminded: 7 });
      const nonResponders = [...w.members.night.slice(4), ...w.members.day];
      await eventually(
        () =>
          w.slack.calls('chat.postMessage').filter((c) => /reminder/i.test(String(c.params.text)))
            .length === 7,
        {
          what: '7 reminder DMs',
        },
      );
      const remindedChannels = w.slack
        .calls('chat.postMessage')
        .filter((c) => /reminder/i.test(String(c.params.text)))
        .map((c) => c.params.channel)
        .sort();
      expect(remindedChannels).toEqual(
        nonResponders.map((u) => w.slack.dmChannelId(w.teamId, u)).sort(),
      );
      const again = await request(w.t.url)
        .post(`/api/rounds/${roundId}/remind`)
        .set(w.admin)
        .expect(409);
      expect(again.body.message).toContain('already sent');
      // The timed reminder firing later changes nothing.
      await w.t.app.get(RoundRemindersService).remindOnSchedule({ roundId });
      expect(
        w.slack.calls('chat.postMessage').filter((c) => /reminder/i.test(String(c.params.text))),
      ).toHaveLength(7);
    });

    it('posts a summary to the HR channel when a round above k closes, with no comments', async () => {
      for (const user of w.members.night.slice(4)) {
        await submitModal(w, user, roundId, {
          load: { kind: 'scale5', value: '2' },
          note: { kind: 'text', value: 'hr-summary-secret' },
        }).expect(200);
      }
      await request(w.t.url).post(`/api/rounds/${roundId}/close`).set(w.admin).expect(200);
      const summary = await eventually(() => w.slack.messages('C0HRDESK01')[0], {
        what: 'the HR summary',
      });
      expect(summary.text).toContain('Workload');
      expect(JSON.stringify(summary)).toContain('6 of 11 invited answered');
      expect(JSON.stringify(summary)).not.toContain('hr-summary-secret');
    });
  });

  describe('scheduled rounds', () => {
    it('opens on the rule’s day and delivers at 15:00 in each agent’s own time zone', async () => {
      // The survey is created on this test's calendar, not today's: its rule starts that day.
      clock.set('2026-11-23T10:00:00Z');
      const survey = await createSurvey({
        title: 'Thursday pulse',
        questions: [{ kind: 'scale5', prompt: 'I felt supported this week' }],
        schedule: { rrule: 'FREQ=WEEKLY;BYDAY=TH', localTime: '15:00' },
      }).expect(201);
      const scheduler = w.t.app.get(RoundSchedulerService);
      // Thursday 26 Nov 2026, 00:30 UTC: 15:00 on Thursday has been reached nowhere yet.
      clock.set('2026-11-26T00:30:00Z');
      expect(await scheduler.openScheduledRounds()).toBe(0);
      // Thursday 26 Nov 2026 in UTC+14 reaches 15:00 at 01:00 UTC: the round opens.
      clock.set('2026-11-26T01:00:00Z');
      expect(await scheduler.openScheduledRounds()).toBe(1);
      expect(await scheduler.openScheduledRounds()).toBe(0);
      const invitations = await ds.query(
        `SELECT p.tz, i.deliver_after FROM round_invitations i JOIN people p ON p.id = i.person_id
           JOIN rounds r ON r.id = i.round_id WHERE r.survey_id = $1`,
        [survey.body.id],
      );
      expect(invitations).toHaveLength(11);
      const byZone = new Map(
        invitations.map((i: { tz: string; deliver_after: Date }) => [
          i.tz,
          new Date(i.deliver_after).toISOString(),
        ]),
      );
      expect(byZone.get('Europe/Paris')).toBe('2026-11-26T14:00:00.000Z');
      expect(byZone.get('America/New_York')).toBe('2026-11-26T20:00:00.000Z');
    });
  });
});
