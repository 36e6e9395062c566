/**
 * App Home end to end through signed Slack requests and the stand-in: the tab shows the running
 * focus block, open pulses and a lead's team board, and its buttons start, end and refuse focus
 * exactly as /focus does.
 */
import request from 'supertest';
import { DataSource } from 'typeorm';
import { eventually } from '../support/eventually';
import { focusSyncSettled } from '../support/focus-settle';
import {
  connectFocusTokens,
  deliveredTo,
  postSlack,
  pulseWorld,
  PulseWorld,
  focusCommand,
} from '../support/pulse-world';
import { blockActionsPayload, eventBody, interactionBody } from '../support/slack-signing';

describe('App Home', () => {
  let w: PulseWorld;
  let ds: DataSource;

  beforeAll(async () => {
    w = await pulseWorld({ desk: 5 });
    ds = w.t.app.get(DataSource);
    await connectFocusTokens(w, w.members.desk.slice(0, 4));
  });

  afterAll(async () => {
    await w?.close();
  });

  const focus = (user: string, text: string) => focusCommand(w, user, text);
  const settled = () => focusSyncSettled(ds);

  it('publishes App Home with the running block (End now), open pulses, and a lead’s team board', async () => {
    const user = w.members.desk[0];
    await request(w.t.url)
      .patch(`/api/people/${user}`)
      .set(w.admin)
      .send({ role: 'lead' })
      .expect(200);
    // An open pulse the agent was invited to.
    const survey = await request(w.t.url)
      .post('/api/surveys')
      .set(w.admin)
      .send({
        title: 'Quiet check',
        questions: [{ kind: 'scale5', prompt: 'I could focus today' }],
      })
      .expect(201);
    const round = await request(w.t.url)
      .post(`/api/surveys/${survey.body.id}/rounds`)
      .set(w.admin)
      .expect(201);
    await deliveredTo(w, round.body.id, w.members.desk.length);
    await focus(user, '25m home check');
    const event = eventBody({
      teamId: w.teamId,
      event: { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: '1.2' },
    });
    await postSlack(w, event, 'application/json').expect(200);
    const view = await eventually(() => w.slack.homeView(user), {
      what: 'the published home view',
    });
    const text = JSON.stringify(view);
    expect(text).toContain('Focusing until');
    expect(text).toContain('home check');
    expect(text).toContain('home_focus_end');
    expect(text).toContain('desk: ');
    expect(text).toContain('heads-down until');
    expect(text).toContain('Quiet check');
    expect(text).toContain('pulse_open_modal');
    await focus(user, 'off');
    await request(w.t.url)
      .patch(`/api/people/${user}`)
      .set(w.admin)
      .send({ role: 'agent' })
      .expect(200);
  });

  it('App Home buttons: focus for 30 min, end it, start a scheduled block now, and say when coverage refuses', async () => {
    const user = w.members.desk[3];
    await settled();
    const press = async (actionId: string, value: string) => {
      const before = JSON.stringify(w.slack.homeView(user) ?? null);
      const payload = blockActionsPayload({
        userId: user,
        teamId: w.teamId,
        actionId,
        value,
        view: { id: 'VHOME01', type: 'home' },
      });
      await postSlack(w, interactionBody(payload)).expect(200);
      // Each button publishes the tab again.
      return eventually(
        () => {
          const view = w.slack.homeView(user);
          return view && JSON.stringify(view) !== before ? JSON.stringify(view) : undefined;
        },
        { what: `the home tab after ${actionId}` },
      );
    };
    const liveBlocks = async () =>
      (await ds.query(
        `SELECT b.id, b.starts_at, b.ends_at, b.source FROM focus_blocks b
           JOIN people p ON p.id = b.person_id
          WHERE p.slack_user_id = $1 AND b.state IN ('scheduled', 'active') ORDER BY b.starts_at`,
        [user],
      )) as { id: string; starts_at: Date; ends_at: Date; source: string }[];

    // Open the tab: no block, so it offers quick starts.
    await postSlack(
      w,
      eventBody({
        teamId: w.teamId,
        event: { type: 'app_home_opened', user, channel: 'D0HOME3', tab: 'home', event_ts: '3.1' },
      }),
      'application/json',
    ).expect(200);
    const opened = await eventually(() => w.slack.homeView(user), { what: 'the home tab' });
    expect(JSON.stringify(opened)).toContain('home_focus_quick');

    let view = await press('home_focus_quick', '30');
    expect(view).toContain('Focusing until');
    const [quick] = await liveBlocks();
    expect(quick.source).toBe('home');
    expect(new Date(quick.ends_at).getTime() - new Date(quick.starts_at).getTime()).toBe(
      30 * 60_000,
    );
    await eventually(() => w.slack.user(user)!.profile.status_emoji === ':no_bell:', {
      what: 'the focus status',
    });
    // A value the tab never offers is ignored.
    const junk = blockActionsPayload({
      userId: user,
      teamId: w.teamId,
      actionId: 'home_focus_quick',
      value: '100000',
      view: { id: 'VHOME01', type: 'home' },
    });
    await postSlack(w, interactionBody(junk)).expect(200);
    expect(await liveBlocks()).toHaveLength(1);

    view = await press('home_focus_end', quick.id);
    expect(view).not.toContain('Focusing until');
    await eventually(() => w.slack.user(user)!.profile.status_emoji !== ':no_bell:', {
      what: 'the status put back',
    });

    // A block tomorrow, started now from the tab.
    await focus(user, 'tomorrow 9:00 1h');
    const [scheduled] = await liveBlocks();
    view = await press('home_focus_start_now', scheduled.id);
    expect(view).toContain('Focusing until');
    const [started] = await liveBlocks();
    expect(started.id).toBe(scheduled.id);
    expect(new Date(started.starts_at).getTime()).toBeLessThanOrEqual(Date.now());
    expect(new Date(started.ends_at).getTime()).toBe(new Date(scheduled.ends_at).getTime());
    await eventually(() => w.slack.user(user)!.profile.status_emoji === ':no_bell:', {
      what: 'the focus status of the started block',
    });
    await press('home_focus_end', started.id);
    await settled();

    // Coverage: with minOnDuty = members, any focus is refused, and the tab says so.
    await request(w.t.url)
      .patch(`/api/teams/${w.teamIds.desk}`)
      .set(w.admin)
      .send({ minOnDuty: 5 })
      .expect(200);
    view = await press('home_focus_quick', '60');
    expect(view).toContain('fewer than 5 agents on duty');
    expect(await liveBlocks()).toHaveLength(0);
    await request(w.t.url)
      .patch(`/api/teams/${w.teamIds.desk}`)
      .set(w.admin)
      .send({ minOnDuty: 0 })
      .expect(200);
  });
});
