/**
 * Sealed ballots (docs/anonymity.md), as an attacker with the database, its statement log or
 * the wrong key would try them: every statement the app sends while agents answer; ballots
 * that outlive a restart; a ballot tampered with or copied to another round; a close attempted
 * without the key; a person moved into a team of their own while the round is open; a key
 * rotation.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { PeopleService } from '../../src/people/people.service';
import { BallotBoxService } from '../../src/pulse/ballot-box.service';
import { MERGED_TEAM_ID } from '../../src/pulse/sealing/publishable-groups';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { deliveredTo, pulseWorld, PulseWorld, submitModal } from '../support/pulse-world';
import { keyEnv, restartable, RestartableApp } from '../support/key-restarts';
import { TestApp } from '../support/test-app';

const OPTIONS = ['Zendesk-QZX', 'Intercom-QZX', 'Front-QZX'];
const QUESTIONS = [
  { id: 'mood', kind: 'scale5', prompt: 'I had a good week' },
  { id: 'tool', kind: 'choice', prompt: 'The tool that slowed me most', options: OPTIONS },
  { id: 'comment', kind: 'text', prompt: 'Anything else?' },
];

describe('sealed ballots', () => {
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  let w: PulseWorld;
  let keyed: RestartableApp | undefined;
  /** The app running now (a restart replaces it). */
  let app: TestApp;

  beforeAll(async () => {
    w = await pulseWorld(
      { alpha: 12, bravo: 10 },
      { app: { env: { ENCRYPTION_KEY: keyEnv(keyA) } } },
    );
    keyed = restartable(w);
    app = w.t;
  });

  afterAll(() => keyed?.close());

  async function restart(keys: { current: Buffer; previous?: Buffer }): Promise<void> {
    app = await keyed!.restart(keys);
  }

  const ds = () => app.app.get(DataSource);

  async function openRound(teams: string[] = ['alpha', 'bravo']): Promise<string> {
    const survey = await request(app.url)
      .post('/api/surveys')
      .set(w.admin)
      .send({
        title: `Sealed ${randomBytes(3).toString('hex')}`,
        questions: QUESTIONS,
        audienceTeamIds: teams.map((t) => w.teamIds[t]),
      })
      .expect(201);
    const opened = await request(app.url)
      .post(`/api/surveys/${survey.body.id}/rounds`)
      .set(w.admin)
      .expect(201);
    await deliveredTo(w, opened.body.id, opened.body.invited);
    return opened.body.id;
  }

  async function answer(roundId: string, user: string, mood: number, tool: number, comment = '') {
    const res = await submitModal(w, user, roundId, {
      mood: { kind: 'scale5', value: String(mood) },
      tool: { kind: 'choice', value: String(tool) },
      comment: { kind: 'text', value: comment },
    }).expect(200);
    expect(res.body).toEqual({});
  }

  const everyone = () => [...w.members.alpha, ...w.members.bravo];

  it('while 20 agents answer, no statement parameter holds an answer, and no statement holds a Slack id beside a ballot', async () => {
    const roundId = await openRound();
    const statements: { text: string; params: unknown[] }[] = [];
    const original = Client.prototype.query;
    // The driver every pool of the app goes through (TypeORM and the job queue alike).
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (
      this: Client,
      ...args: unknown[]
    ) {
      const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown];
      const text = typeof config === 'string' ? config : config.text;
      const params = Array.isArray(values)
        ? values
        : typeof config === 'object'
          ? (config.values ?? [])
          : [];
      statements.push({ text, params });
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as never);
    const comments: string[] = [];
    try {
      await Promise.all(
        everyone()
          .slice(0, 20)
          .map((user, i) => {
            const comment = `sealed-comment-${randomBytes(6).toString('hex')}`;
            comments.push(comment);
            return answer(roundId, user, 1 + (i % 5), i % 3, comment);
          }),
      );
    } finally {
      spy.mockRestore();
    }
    const flat = (v: unknown): string[] =>
      Array.isArray(v)
        ? v.flatMap(flat)
        : Buffer.isBuffer(v)
          ? [v.toString('latin1')]
          : v === null || v === undefined
            ? []
            : [String(v)];
    const secrets = [...comments, ...OPTIONS];
    const slackIds = new Set(everyone());
    let ballotStatements = 0;
    let claimsWithSlackIds = 0;
    for (const { text, params } of statements) {
      const values = flat(params);
      for (const secret of secrets) {
        expect(text).not.toContain(secret);
        for (const v of values) expect(v).not.toContain(secret);
      }
      if (/INSERT INTO ballots/.test(text)) {
        ballotStatements += 1;
        expect(values.filter((v) => slackIds.has(v))).toEqual([]);
        expect(text).not.toMatch(/people|round_invitations|slack_user_id/);
      }
      if (values.some((v) => slackIds.has(v))) claimsWithSlackIds += 1;
    }
    // The recorder saw the real writes: the ballots, and the claims that carry Slack ids.
    expect(ballotStatements).toBeGreaterThanOrEqual(1);
    expect(claimsWithSlackIds).toBeGreaterThanOrEqual(1);
    const [{ n }] = await ds().query(`SELECT count(*)::int AS n FROM ballots WHERE round_id = $1`, [
      roundId,
    ]);
    expect(n).toBe(20);
    // Opened at close: every comment and choice is there, nothing else.
    await request(app.url).post(`/api/rounds/${roundId}/close`).set(w.admin).expect(200);
    const results = await request(app.url)
      .get(`/api/rounds/${roundId}/results`)
      .set(w.admin)
      .expect(200);
    expect(results.body.respondents).toBe(20);
    expect(results.body.comments.map((c: { text: string }) => c.text).sort()).toEqual(
      [...comments].sort(),
    );
    const tool = results.body.questions.find(
      (q: { questionId: string }) => q.questionId === 'tool',
    );
    expect(tool.distribution).toEqual({ [OPTIONS[0]]: 7, [OPTIONS[1]]: 7, [OPTIONS[2]]: 6 });
  });

  it('a tampered ballot and a ballot copied to another round fail authentication and are counted as invalid; the rest close', async () => {
    const one = await openRound();
    const two = await openRound();
    const people = everyone();
    for (const user of people.slice(0, 8)) await answer(one, user, 4, 0);
    for (const user of people.slice(8, 14)) await answer(two, user, 2, 1);
    const [victim] = await ds().query(`SELECT id FROM ballots WHERE round_id = $1 LIMIT 1`, [one]);
    // One flipped bit in the ciphertext of a ballot of the first round.
    await ds().query(
      `UPDATE ballots SET sealed = overlay(sealed placing
         set_byte(substring(sealed from 40 for 1), 0, get_byte(sealed, 39) # 1) from 40 for 1)
        WHERE id = $1`,
      [victim.id],
    );
    // A ballot of the second round copied in as a new row of the first (to stuff the box).
    await ds().query(
      `INSERT INTO ballots (id, round_id, sealed)
       SELECT gen_random_uuid(), $1, sealed FROM ballots WHERE round_id = $2 LIMIT 1`,
      [one, two],
    );
    // And one moved whole from the second round to the first.
    await ds().query(
      `UPDATE ballots SET round_id = $1 WHERE id = (SELECT id FROM ballots WHERE round_id = $2 LIMIT 1)`,
      [one, two],
    );
    const closed = await request(app.url).post(`/api/rounds/${one}/close`).set(w.admin).expect(200);
    expect(closed.body).toMatchObject({ status: 'closed', invalidBallots: 3 });
    const results = await request(app.url)
      .get(`/api/rounds/${one}/results`)
      .set(w.admin)
      .expect(200);
    // 8 answered, one tampered with: 7 valid, every one of them a 4.
    expect(results.body.respondents).toBe(7);
    expect(results.body.questions[0].distribution).toEqual({
      '1': 0,
      '2': 0,
      '3': 0,
      '4': 7,
      '5': 0,
    });
    const other = await request(app.url).post(`/api/rounds/${two}/close`).set(w.admin).expect(200);
    expect(other.body).toMatchObject({ invalidBallots: 0 });
    expect(
      app.rawLogs.filter(
        (l) => l.includes('invalid ballots at close') && l.includes('"invalid":3'),
      ),
    ).toHaveLength(1);
  });

  it('a person moved into a team of their own while the round is open: after close no row holds that team with an answer', async () => {
    const roundId = await openRound();
    const solo = (
      await request(app.url).post('/api/teams').set(w.admin).send({ name: 'solo' }).expect(201)
    ).body.id;
    const [moved, ...others] = everyone();
    await request(app.url)
      .patch(`/api/people/${moved}`)
      .set(w.admin)
      .send({ teamId: solo })
      .expect(200);
    // Put them back whatever happens: the tests that follow count on their team.
    try {
      await closeWithSoloAgent(roundId, solo, moved, others);
    } finally {
      await request(app.url)
        .patch(`/api/people/${moved}`)
        .set(w.admin)
        .send({ teamId: w.teamIds.alpha })
        .expect(200);
    }
  });

  async function closeWithSoloAgent(
    roundId: string,
    solo: string,
    moved: string,
    others: string[],
  ) {
    await answer(roundId, moved, 1, 2, 'only-the-solo-agent-wrote-this');
    for (const user of others.slice(0, 12)) await answer(roundId, user, 5, 0);
    await request(app.url).post(`/api/rounds/${roundId}/close`).set(w.admin).expect(200);
    const [rows] = await ds().query(
      `SELECT (SELECT count(*)::int FROM responses WHERE round_id = $1 AND team_id = $2) AS responses,
              (SELECT count(*)::int FROM answers WHERE round_id = $1 AND team_id = $2) AS answers,
              (SELECT count(*)::int FROM round_tallies WHERE round_id = $1 AND team_id = $2) AS tallies,
              (SELECT count(*)::int FROM round_group_sizes WHERE round_id = $1 AND team_id = $2) AS sizes,
              (SELECT count(*)::int FROM answers WHERE round_id = $1) AS all_answers`,
      [roundId, solo],
    );
    expect(rows).toEqual({
      responses: 0,
      answers: 0,
      tallies: 0,
      sizes: 0,
      all_answers: 13 * 2 + 1,
    });
    // The comment is kept, in a group that is not the solo team.
    const [comment] = await ds().query(
      `SELECT team_id FROM answers WHERE round_id = $1 AND comment = 'only-the-solo-agent-wrote-this'`,
      [roundId],
    );
    expect(comment.team_id).not.toBe(solo);
    const results = await request(app.url)
      .get(`/api/rounds/${roundId}/results?groupBy=team`)
      .set(w.admin)
      .expect(200);
    expect(results.body.respondents).toBe(13);
    const soloGroup = results.body.groups.find((g: { name: string }) => g.name === 'solo');
    expect(soloGroup).toEqual({ key: solo, name: 'solo', suppressed: true });
  }

  it('upgrading: a round left open by the release before sealing keeps its plaintext answers until close, then is sealed like the rest', async () => {
    const roundId = await openRound();
    const people = everyone();
    // As the earlier release left it: no key, three answers in plaintext, claims flipped.
    await ds().query(`UPDATE rounds SET ballot_key = NULL WHERE id = $1`, [roundId]);
    for (const user of people.slice(0, 3)) {
      await ds().query(
        `WITH claim AS (
           UPDATE round_invitations i SET responded = true FROM people p
            WHERE p.id = i.person_id AND p.slack_user_id = $2 AND i.round_id = $1
           RETURNING p.team_id),
         response AS (
           INSERT INTO responses (id, round_id, team_id)
           SELECT gen_random_uuid(), $1, team_id FROM claim RETURNING id, team_id)
         INSERT INTO answers (response_id, round_id, team_id, question_id, value)
         SELECT id, $1, team_id, 'mood', '2' FROM response`,
        [roundId, user],
      );
    }
    // The first answer after the upgrade gives the round its key; the rest are sealed.
    for (const user of people.slice(3, 8)) await answer(roundId, user, 5, 0);
    const [state] = await ds().query(
      `SELECT ballot_key IS NOT NULL AS keyed, (SELECT count(*)::int FROM ballots WHERE round_id = $1) AS ballots
         FROM rounds WHERE id = $1`,
      [roundId],
    );
    expect(state).toEqual({ keyed: true, ballots: 5 });
    await request(app.url).post(`/api/rounds/${roundId}/close`).set(w.admin).expect(200);
    const results = await request(app.url)
      .get(`/api/rounds/${roundId}/results`)
      .set(w.admin)
      .expect(200);
    expect(results.body.respondents).toBe(8);
    expect(results.body.questions[0].distribution).toEqual({
      '1': 0,
      '2': 3,
      '3': 0,
      '4': 0,
      '5': 5,
    });
  });

  it('upgrading: a round closed by an earlier release with a one-person team is merged at rest once, at boot', async () => {
    const roundId = await openRound();
    // alpha 12 and bravo 8: both publishable at close.
    for (const user of everyone().slice(0, 20)) await answer(roundId, user, 4, 1);
    await request(app.url).post(`/api/rounds/${roundId}/close`).set(w.admin).expect(200);
    const before = await request(app.url)
      .get(`/api/rounds/${roundId}/results?groupBy=team`)
      .set(w.admin)
      .expect(200);
    // As an earlier release would have stored it had one alpha agent been in a team of their
    // own: alpha 11, solo 1, bravo 8, every team kept.
    const solo = (
      await request(app.url).post('/api/teams').set(w.admin).send({ name: 'solo-old' }).expect(201)
    ).body.id;
    await ds().query(
      `WITH one AS (SELECT id FROM responses WHERE round_id = $1 AND team_id = $3 LIMIT 1)
       UPDATE responses SET team_id = $2 WHERE id = (SELECT id FROM one)`,
      [roundId, solo, w.teamIds.alpha],
    );
    await ds().query(
      `UPDATE answers a SET team_id = r.team_id FROM responses r
        WHERE r.id = a.response_id AND a.round_id = $1`,
      [roundId],
    );
    await ds().query(
      `UPDATE round_group_sizes SET respondents = 11 WHERE round_id = $1 AND team_id = $2`,
      [roundId, w.teamIds.alpha],
    );
    await ds().query(
      `INSERT INTO round_group_sizes (round_id, team_id, respondents) VALUES ($1, $2, 1)`,
      [roundId, solo],
    );
    await ds().query(`UPDATE rounds SET merged_at_rest = false WHERE id = $1`, [roundId]);
    // The boot of the new release merges it.
    await restart({ current: keyA });
    const [rows] = await ds().query(
      `SELECT (SELECT count(*)::int FROM responses WHERE round_id = $1 AND team_id = $2) AS responses,
              (SELECT count(*)::int FROM answers WHERE round_id = $1 AND team_id = $2) AS answers,
              (SELECT count(*)::int FROM round_tallies WHERE round_id = $1 AND team_id = $2) AS tallies,
              (SELECT count(*)::int FROM round_group_sizes WHERE round_id = $1 AND team_id = $2) AS sizes,
              (SELECT merged_at_rest FROM rounds WHERE id = $1) AS merged`,
      [roundId, solo],
    );
    expect(rows).toEqual({ responses: 0, answers: 0, tallies: 0, sizes: 0, merged: true });
    // solo (1) and the next smallest, bravo (8), are stored merged; alpha stays.
    const [stored] = await ds().query(
      `SELECT (SELECT count(*)::int FROM responses WHERE round_id = $1 AND team_id = $2) AS merged,
              (SELECT count(*)::int FROM responses WHERE round_id = $1 AND team_id = $3) AS alpha`,
      [roundId, MERGED_TEAM_ID, w.teamIds.alpha],
    );
    expect(stored).toEqual({ merged: 9, alpha: 11 });
    // Run again (a second replica): nothing changes.
    await app.app.get(BallotBoxService).mergeEarlierRounds();
    const after = await request(app.url)
      .get(`/api/rounds/${roundId}/results?groupBy=team`)
      .set(w.admin)
      .expect(200);
    expect(after.body.respondents).toBe(before.body.respondents);
    expect(after.body.questions).toEqual(before.body.questions);
    const names = (after.body.groups as { name: string; suppressed: boolean }[]).map((g) => [
      g.name,
      g.suppressed,
    ]);
    expect(names).toEqual([
      ['alpha', false],
      ['bravo', true],
      ['solo-old', true],
    ]);
    expect(after.body.groups[0].respondents).toBe(11);
  });

  it('ballots survive a restart; without the key the close stops with 503 and the round stays open, nothing lost', async () => {
    const roundId = await openRound();
    for (const user of everyone().slice(0, 6))
      await answer(roundId, user, 3, 1, 'kept-across-restarts');
    await restart({ current: keyB });
    const refused = await request(app.url)
      .post(`/api/rounds/${roundId}/close`)
      .set(w.admin)
      .expect(503);
    expect(refused.body.message).toMatch(/ENCRYPTION_KEY/);
    const [state] = await ds().query(
      `SELECT r.status, r.ballot_key IS NOT NULL AS keyed,
              (SELECT count(*)::int FROM ballots b WHERE b.round_id = r.id) AS ballots
         FROM rounds r WHERE r.id = $1`,
      [roundId],
    );
    expect(state).toEqual({ status: 'open', keyed: true, ballots: 6 });
    await restart({ current: keyA });
    await request(app.url).post(`/api/rounds/${roundId}/close`).set(w.admin).expect(200);
    const results = await request(app.url)
      .get(`/api/rounds/${roundId}/results`)
      .set(w.admin)
      .expect(200);
    expect(results.body.respondents).toBe(6);
    expect(results.body.comments).toHaveLength(6);
  });

  it('rotation: a round opened under the old key closes under the new one; tokens move too', async () => {
    const roundId = await openRound();
    for (const user of everyone().slice(0, 5)) await answer(roundId, user, 5, 2);
    const agent = w.members.bravo[0];
    const workspaceId = (await app.app.get(WorkspacesService).findBySlackTeamId(w.teamId))!.id;
    await app.app
      .get(PeopleService)
      .connectUserToken(workspaceId, agent, 'xoxp-rotated-user-token', 'dnd:write');
    const sealedToken = async () =>
      (
        await ds().query(`SELECT user_token_enc AS t FROM people WHERE slack_user_id = $1`, [agent])
      )[0].t as string;
    const wrappedKey = async () =>
      (await ds().query(`SELECT ballot_key AS k FROM rounds WHERE id = $1`, [roundId]))[0]
        .k as string;
    const idOf = (key: Buffer) =>
      createHash('sha256').update('pulsedesk-key-id\0').update(key).digest('hex').slice(0, 12);
    expect((await sealedToken()).split('.')[1]).toBe(idOf(keyA));
    expect((await wrappedKey()).split('.')[1]).toBe(idOf(keyA));
    // New key, old one as previous: boot re-seals the token and re-wraps the round's key.
    await restart({ current: keyB, previous: keyA });
    expect((await sealedToken()).split('.')[1]).toBe(idOf(keyB));
    expect((await wrappedKey()).split('.')[1]).toBe(idOf(keyB));
    // The previous key dropped: everything still opens.
    await restart({ current: keyB });
    const person = await app.app.get(PeopleService).get(workspaceId, agent);
    expect(app.app.get(PeopleService).userToken(person)).toBe('xoxp-rotated-user-token');
    await request(app.url).post(`/api/rounds/${roundId}/close`).set(w.admin).expect(200);
    const results = await request(app.url)
      .get(`/api/rounds/${roundId}/results`)
      .set(w.admin)
      .expect(200);
    expect(results.body.respondents).toBe(5);
    expect(results.body.questions[0].distribution).toEqual({
      '1': 0,
      '2': 0,
      '3': 0,
      '4': 0,
      '5': 5,
    });
  });
});
