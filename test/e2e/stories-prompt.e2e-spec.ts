/**
 * The opt-in weekly story prompt: agents opt in on App Home; on Friday at 17:00 in their own
 * time zone (Paris and New York here) each gets one question from the rotating bank, with a
 * Share button opening the modal prefilled; an agent in a focus block gets it when the block
 * ends; nobody gets it twice a week, and nobody who did not opt in gets it at all.
 */
import request from 'supertest';
import { DataSource } from 'typeorm';
import { FocusService } from '../../src/focus/focus.service';
import { PROMPT_BANK } from '../../src/stories/prompt-bank';
import { StoryPromptsService } from '../../src/stories/story-prompts.service';
import type { PromptJobData } from '../../src/stories/stories.queues';
import { eventually } from '../support/eventually';
import { postSlack, pulseWorld, PulseWorld } from '../support/pulse-world';
import { blockActionsPayload, interactionBody } from '../support/slack-signing';
import { pressHomeButton } from '../support/stories-world';
import { TestClock } from '../support/test-clock';

describe('the weekly story prompt', () => {
  let w: PulseWorld;
  let ds: DataSource;
  let prompts: StoryPromptsService;
  // Friday 27 November 2026: Paris is UTC+1 (17:00 = 16:00Z), New York UTC-5 (17:00 = 22:00Z).
  const clock = new TestClock('2026-11-27T12:00:00Z');
  let newYork: string;
  let paris: string;
  let notOptedIn: string;
  let parisFocused: string;

  beforeAll(async () => {
    w = await pulseWorld({ support: 4 }, { app: { clock }, teamId: 'T0PROMPT1' });
    ds = w.t.app.get(DataSource);
    prompts = w.t.app.get(StoryPromptsService);
    // pulseWorld alternates zones: New York, Paris, New York, Paris.
    [newYork, paris, notOptedIn, parisFocused] = w.members.support;
    for (const userId of [newYork, paris, parisFocused]) {
      await pressHomeButton(w, { userId, actionId: 'home_story_prompt', value: 'on' });
    }
    await eventually(async () => (await ds.query(`SELECT 1 FROM story_prompts`)).length === 3, {
      what: 'three opt-ins',
    });
  });

  afterAll(async () => {
    await w?.close();
  });

  const promptDms = (userId: string) => {
    const channel = w.slack.dmChannelId(w.teamId, userId);
    return (channel ? w.slack.messages(channel) : []).filter((m) =>
      m.text.startsWith('Your weekly story prompt'),
    );
  };
  /**
   * The prompt jobs of a person, with how long after being queued each is due (ms). The queue
   * counts on the database's clock and the app on its own (the test clock here), so a job's due
   * time on the app's clock is the clock's time when it was queued plus this delay.
   */
  const promptJobs = async (userId: string) =>
    (await ds.query(
      `SELECT round(extract(epoch FROM j.start_after - j.created_on) * 1000)::float8 AS "delayMs",
              j.data FROM pgboss.job j
       JOIN people p ON p.id::text = j.data->>'personId'
       WHERE j.name = 'stories.prompt' AND p.slack_user_id = $1 ORDER BY j.created_on`,
      [userId],
    )) as { delayMs: number; data: PromptJobData }[];

  it('shows the opt-in on App Home as turned on', async () => {
    const home = await eventually(
      () => {
        const text = JSON.stringify(w.slack.homeView(paris) ?? {});
        return text.includes('Stop the prompt') ? text : undefined;
      },
      { what: 'the tab published with the prompt on' },
    );
    expect(home).toContain(
      '"action_id":"home_story_prompt","text":{"type":"plain_text","text":"Stop the prompt"},"value":"off"',
    );
  });

  it('claims nobody long before 17:00 local', async () => {
    clock.set('2026-11-27T15:30:00Z');
    expect(await prompts.tick()).toBe(0);
  });

  it('queues the Paris prompts for 17:00 Paris time, and sends them then, after any focus block', async () => {
    const person = await w.t.app
      .get(DataSource)
      .query(`SELECT * FROM people WHERE slack_user_id = $1`, [parisFocused]);
    const focus = w.t.app.get(FocusService);
    const fullPerson = await focus.personFor(w.teamId, parisFocused);
    expect(person).toHaveLength(1);
    const outcome = await focus.create(fullPerson, {
      start: new Date('2026-11-27T15:55:00Z'),
      end: new Date('2026-11-27T16:45:00Z'),
      note: null,
      source: 'command',
    });
    expect(outcome.status).toBe('created');

    clock.set('2026-11-27T15:50:00Z');
    expect(await prompts.tick()).toBe(2);
    const queued = new Map<string, PromptJobData>();
    for (const userId of [paris, parisFocused]) {
      const [job] = await promptJobs(userId);
      // Queued at 15:50 for 17:00 Paris (16:00Z): the queue counts the delay.
      expect(job.delayMs).toBe(10 * 60_000);
      expect(job.data.question).toBe(PROMPT_BANK[0]);
      queued.set(userId, job.data as PromptJobData);
    }
    expect(await promptJobs(newYork)).toEqual([]);
    // The queue runs jobs on its own clock; here the test runs each one as the queue would.
    // Run before 17:00 by the app's clock (a replica's clock behind), it waits again, sending
    // nothing.
    await prompts.deliver(queued.get(paris)!);
    const again = await promptJobs(paris);
    expect(again).toHaveLength(2);
    expect(again[1].delayMs).toBe(10 * 60_000);
    expect(promptDms(paris)).toEqual([]);

    clock.set('2026-11-27T16:00:30Z');
    await prompts.deliver(queued.get(paris)!);
    const dm = await eventually(() => promptDms(paris)[0], { what: 'the Paris prompt' });
    expect(JSON.stringify(dm.blocks)).toContain(PROMPT_BANK[0]);
    expect(JSON.stringify(dm.blocks)).toContain('story_open_share');
    // In a focus block until 16:45Z: the prompt waits for the block's end.
    await prompts.deliver(queued.get(parisFocused)!);
    const deferred = await promptJobs(parisFocused);
    // Deferred at 16:00:30 to the end of the focus block, 16:45.
    expect(deferred.map((j) => j.delayMs)).toEqual([10 * 60_000, 44.5 * 60_000]);
    expect(promptDms(parisFocused)).toEqual([]);
    // A second tick in the same week claims nobody again.
    expect(await prompts.tick()).toBe(0);

    clock.set('2026-11-27T16:46:00Z');
    await prompts.deliver(deferred[1].data as PromptJobData);
    await eventually(() => promptDms(parisFocused)[0], { what: 'the prompt after focus' });
    expect(promptDms(paris)).toHaveLength(1);
  });

  it('reaches New York at 17:00 New York time', async () => {
    expect(promptDms(newYork)).toEqual([]);
    clock.set('2026-11-27T21:50:00Z');
    expect(await prompts.tick()).toBe(1);
    const [job] = await promptJobs(newYork);
    // Queued at 21:50 for 17:00 New York (22:00Z).
    expect(job.delayMs).toBe(10 * 60_000);
    clock.set('2026-11-27T22:00:10Z');
    await prompts.deliver(job.data as PromptJobData);
    await eventually(() => promptDms(newYork)[0], { what: 'the New York prompt' });
    expect(promptDms(notOptedIn)).toEqual([]);
  });

  it('opens the share modal prefilled from the prompt’s Share button', async () => {
    const dm = promptDms(paris)[0];
    const payload = blockActionsPayload({
      userId: paris,
      teamId: w.teamId,
      actionId: 'story_open_share',
      value: PROMPT_BANK[0],
      channelId: dm.channel,
      messageTs: dm.ts,
      triggerId: w.slack.issueTriggerId({ userId: paris }),
    });
    await postSlack(w, interactionBody(payload)).expect(200);
    const modal = await eventually(
      () => w.slack.openedViews().find((v) => JSON.stringify(v.view).includes(PROMPT_BANK[0])),
      { what: 'the prefilled modal' },
    );
    expect(modal.view).toMatchObject({ callback_id: 'story_share_modal' });
  });

  it('rotates the bank: the next Friday brings the next question', async () => {
    clock.set('2026-12-04T15:50:00Z');
    expect(await prompts.tick()).toBe(2);
    const jobs = await promptJobs(paris);
    expect(jobs[jobs.length - 1].data.question).toBe(PROMPT_BANK[1]);
  });

  it('has its hour as a workspace setting, validated', async () => {
    const bad = await request(w.t.url)
      .patch('/api/settings')
      .set(w.admin)
      .send({ storyPromptHour: 24 })
      .expect(400);
    expect(bad.body.message).toMatch(/storyPromptHour must be a whole hour from 0 to 23/);
    await request(w.t.url)
      .patch('/api/settings')
      .set(w.admin)
      .send({ storyPromptHour: 9 })
      .expect(200);
    // 9:00 Paris on Friday 11 December is 08:00Z: claimed from 07:45Z.
    clock.set('2026-12-11T07:50:00Z');
    expect(await prompts.tick()).toBe(2);
  });

  it('stops when the agent turns it off on App Home', async () => {
    await pressHomeButton(w, { userId: paris, actionId: 'home_story_prompt', value: 'off' });
    await eventually(
      async () =>
        (
          await ds.query(
            `SELECT 1 FROM story_prompts sp JOIN people p ON p.id = sp.person_id WHERE p.slack_user_id = $1`,
            [paris],
          )
        ).length === 0,
      { what: 'the opt-out' },
    );
    await eventually(() => JSON.stringify(w.slack.homeView(paris)).includes('Prompt me weekly'), {
      what: 'the tab published with the prompt off',
    });
  });
});
