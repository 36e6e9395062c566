/**
 * Slack failing for 60 s: the stand-in answers the app's calls at random with 500s, hung
 * responses (received, never answered: the app's 10 s timeout ends them) and 429s with a
 * Retry-After, while the app (a real process) delivers a pulse round's DMs to 20 agents and
 * syncs 20 agents' focus blocks — starting them, and ending half of them mid-storm. Then:
 * - no call came before a Retry-After Slack had announced (the stand-in records violations);
 * - no sync lost: every block applied, every ended block restored; no DM lost or sent twice;
 * - retries bounded (no job past its retry limit) and spread (pg-boss's backoff has jitter);
 * - each thing given up — here one agent's restore, their token revoked meanwhile — is said in
 *   exactly one log line, and nothing else is given up.
 */
import request from 'supertest';
import { PeopleService } from '../../src/people/people.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { AppProcess, startAppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { OwnPostgres } from '../support/own-postgres';
import { pulseWorld, PulseWorld } from '../support/pulse-world';
import { CallRecord, StormFault } from '../support/slack-stand-in';
import { slashCommandBody } from '../support/slack-signing';
import { deliverToSlackEndpoint, jsonLines, ownDatabase, processEnv } from './fault-support';

const DB = 'pulsedesk_storm';
const STORM_MS = 60_000;
const PER_TEAM = 20;
/** Blocks long enough to outlast the storm and the retries after it. */
const BLOCK = '30m';
const STORM_METHODS = [
  'conversations.open',
  'chat.postMessage',
  'users.profile.get',
  'users.profile.set',
  'dnd.setSnooze',
  'dnd.endSnooze',
];
/**
 * A call that reached Slack this soon after a 429 was already on its way when the 429 was
 * answered (the app has jobs running concurrently): under the shortest Retry-After (1 s).
 */
const IN_FLIGHT_MS = 1_000;
/** Generous: the storm, then the last retries' backoff (pg-boss doubles 5 s and 10 s delays). */
const AFTER_STORM_MS = 240_000;

/** A call's fate in the storm: 35 % HTTP 500, 15 % hung, 30 % 429 (Retry-After 1-5 s), 20 % served. */
function pick(): StormFault {
  const r = Math.random();
  if (r < 0.35) return { status: 500 };
  if (r < 0.5) return 'hang';
  if (r < 0.8) return { retryAfter: 1 + Math.floor(Math.random() * 5) };
  return undefined;
}

describe('Slack answering 500s, timeouts and 429 storms for 60 s', () => {
  let pg: OwnPostgres;
  let w: PulseWorld;
  let app: AppProcess | undefined;
  const tokenOf = new Map<string, string>();

  beforeAll(async () => {
    pg = await OwnPostgres.start();
    const db = await ownDatabase(pg, DB);
    w = await pulseWorld(
      { pulse: PER_TEAM, focus: PER_TEAM },
      { teamId: 'T0STORM01', app: { db } },
    );
    const workspace = (await w.t.app.get(WorkspacesService).findBySlackTeamId(w.teamId))!;
    for (const [i, user] of w.members.focus.entries()) {
      const token = w.slack.issueUserToken(w.teamId, user);
      tokenOf.set(user, token);
      await w.t.app
        .get(PeopleService)
        .connectUserToken(workspace.id, user, token, 'users.profile:write,dnd:write');
      await fetch(`${w.slack.apiUrl}users.profile.set`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ profile: { status_text: `Desk ${i}`, status_emoji: ':ticket:' } }),
      });
    }
    await w.t.close();
    app = await startAppProcess(processEnv(db.url, w.slack, w.teamId));
  });

  afterAll(async () => {
    await app?.stop();
    await w?.slack.stop();
    await pg?.destroy();
  });

  const focus = (user: string, text: string) =>
    deliverToSlackEndpoint(
      app!.url,
      slashCommandBody({
        command: '/focus',
        text,
        userId: user,
        teamId: w.teamId,
        responseUrl: w.slack.responseUrl(),
      }),
    );

  const ok = (c: CallRecord) => c.status === 200 && !c.error;
  const okByToken = (method: string) => {
    const by = new Map<string, number>();
    for (const c of w.slack.calls(method).filter(ok))
      by.set(c.token ?? '', (by.get(c.token ?? '') ?? 0) + 1);
    return by;
  };
  const db = <T>(sql: string, params: unknown[] = []) => pg.query<T>(sql, params, DB);
  const lastOkAfter = (method: string, since: number) =>
    Math.round(
      (Math.max(
        ...w.slack
          .calls(method)
          .filter(ok)
          .map((c) => c.at),
      ) -
        since) /
        100,
    ) / 10;

  // What a timed-out wait says: each call as seconds since the storm began and its outcome,
  // and the paces the app learnt.
  let stormBegan = 0;
  const outcome = (c: CallRecord) =>
    `${((c.at - stormBegan) / 1000).toFixed(1)}s:${c.hung ? 'hung' : c.status}`;
  const paces = () =>
    jsonLines(app!.output())
      .filter((l) => String(l.msg).startsWith('slack pace'))
      .map((l) => `${String(l.method)}=${String(l.perMinute)}`)
      .join(' ');
  const callsOf = (users: string[]) =>
    users
      .map((u) => {
        const token = tokenOf.get(u);
        const mine = w.slack.calls().filter((c) => c.token === token);
        return `${u} [${mine.map((c) => `${c.method} ${outcome(c)}`).join(', ')}]`;
      })
      .join('; ') + `; paces: ${paces()}`;
  /** The focus sync jobs of these agents' blocks, as pg-boss holds them (seconds from the storm). */
  const syncJobsOf = (users: string[]) =>
    db<Record<string, unknown>>(
      `SELECT p.slack_user_id AS user, b.id AS block_id, b.state AS block, b.applied_status->>'snoozed' AS snoozed,
              round(extract(epoch FROM b.sync_lease_until)::numeric - $2 / 1000.0, 1) AS lease_s,
              j.id, j.name, j.state, j.retry_count, j.output->>'message' AS error,
              round(extract(epoch FROM j.start_after)::numeric - $2 / 1000.0, 1) AS due_s,
              round(extract(epoch FROM j.started_on)::numeric - $2 / 1000.0, 1) AS started_s,
              round(extract(epoch FROM j.completed_on)::numeric - $2 / 1000.0, 1) AS done_s
         FROM focus_blocks b JOIN people p ON p.id = b.person_id
         LEFT JOIN (
           SELECT id, name, state, retry_count, output, start_after, started_on, completed_on,
                  created_on, data
             FROM pgboss.job
           UNION ALL
           SELECT id, name, state, retry_count, output, start_after, started_on, completed_on,
                  created_on, data
             FROM pgboss.archive) j
           ON j.data->>'blockId' = b.id::text
        WHERE p.slack_user_id = ANY($1::varchar[])
        ORDER BY p.slack_user_id, j.created_on`,
      [users, stormBegan],
    );
  const dmCalls = () =>
    ['conversations.open', 'chat.postMessage']
      .map((m) => `${m} [${w.slack.calls(m).map(outcome).join(' ')}]`)
      .join('; ') + `; paces: ${paces()}`;

  it('loses nothing, sends nothing twice, waits out every Retry-After, and says what it gave up', async () => {
    w.slack.clearCalls();
    stormBegan = Date.now();
    const stormEnds = stormBegan + STORM_MS;
    w.slack.storm({ methods: STORM_METHODS, until: stormEnds, pick });

    // In the storm: a round for the pulse team, and a focus block for each of the focus team.
    const survey = await request(app!.url)
      .post('/api/surveys')
      .set(w.admin)
      .send({
        title: 'Storm pulse',
        questions: [{ id: 'mood', kind: 'scale5', prompt: 'How was your week?' }],
        audienceTeamIds: [w.teamIds.pulse],
      })
      .expect(201);
    const round = await request(app!.url)
      .post(`/api/surveys/${survey.body.id}/rounds`)
      .set(w.admin)
      .expect(201);
    const focusers = w.members.focus;
    for (const user of focusers) expect((await focus(user, `${BLOCK} storm`)).status).toBe(200);

    // Mid-storm, half of them end their block; the first of those whose block is applied has
    // revoked Pulsedesk's access meanwhile (their restore can only be given up).
    const enders = focusers.slice(0, PER_TEAM / 2);
    const revoked = await eventually(
      () => enders.find((u) => (okByToken('dnd.setSnooze').get(tokenOf.get(u)!) ?? 0) >= 1),
      { what: "an ender's block applied", timeoutMs: STORM_MS + AFTER_STORM_MS },
    );
    w.slack.revokeToken(tokenOf.get(revoked)!);
    for (const user of enders) expect((await focus(user, 'off')).status).toBe(200);
    const endedInStorm = Date.now() < stormEnds;

    // Everything lands once the storm is over.
    const delivered = async () =>
      (
        await db<{ n: number }>(
          `SELECT count(*)::int AS n FROM round_invitations WHERE round_id = $1 AND delivered_at IS NOT NULL`,
          [round.body.id],
        )
      )[0].n;
    await eventually(async () => (await delivered()) === PER_TEAM, {
      what: () => `every DM delivered: ${dmCalls()}`,
      timeoutMs: STORM_MS + AFTER_STORM_MS,
    });
    const states = async () =>
      Object.fromEntries(
        (
          await db<{ state: string; n: number }>(
            `SELECT state, count(*)::int AS n FROM focus_blocks GROUP BY state`,
          )
        ).map((r) => [r.state, r.n]),
      );
    await eventually(
      async () => {
        const s = await states();
        return s.ended === enders.length && s.active === PER_TEAM - enders.length;
      },
      { what: 'every block applied or ended', timeoutMs: STORM_MS + AFTER_STORM_MS },
    );
    const stayers = focusers.slice(PER_TEAM / 2);
    const unsnoozed = () =>
      stayers.filter((u) => (okByToken('dnd.setSnooze').get(tokenOf.get(u)!) ?? 0) === 0);
    // And, for a wait that times out, where their blocks' sync jobs are.
    let jobsOfUnsnoozed = '';
    await eventually(
      async () => {
        const waiting = unsnoozed();
        if (waiting.length > 0) {
          const jobs = await syncJobsOf(waiting);
          // And what the app logged about those jobs and blocks.
          const ids = jobs.flatMap((j) => [String(j.id), String(j.block_id)]);
          const said = app!
            .output()
            .split('\n')
            .filter((line) => ids.some((id) => id !== 'null' && line.includes(id)));
          jobsOfUnsnoozed = `${JSON.stringify(jobs)}; logged: ${said.join(' | ')}`;
        }
        return waiting.length === 0;
      },
      {
        what: () =>
          `every remaining block snoozed: ${callsOf(unsnoozed())}; jobs: ${jobsOfUnsnoozed}`,
        timeoutMs: AFTER_STORM_MS,
      },
    );

    // No DM lost or sent twice: one invitation in each pulse agent's DM channel.
    for (const user of w.members.pulse) {
      const channel = w.slack.dmChannelId(w.teamId, user)!;
      expect({ user, dms: w.slack.messages(channel).length }).toEqual({ user, dms: 1 });
    }
    // No sync lost: the remaining blocks applied, the ended ones restored (but the revoked one).
    for (const user of stayers) {
      expect({ user, emoji: w.slack.user(user)!.profile.status_emoji }).toEqual({
        user,
        emoji: ':no_bell:',
      });
    }
    for (const [i, user] of enders.entries()) {
      if (user === revoked) continue;
      const { status_text, status_emoji } = w.slack.user(user)!.profile;
      expect({ user, status_text, status_emoji }).toEqual({
        user,
        status_text: `Desk ${i}`,
        status_emoji: ':ticket:',
      });
      expect(w.slack.user(user)!.dnd.snoozeEndtime).toBeNull();
    }

    // Bounded: no job retried past its limit, none failed for good.
    const jobs = await db<{ name: string; over: number; failed: number }>(
      `SELECT name, count(*) FILTER (WHERE retry_count > retry_limit)::int AS over,
              count(*) FILTER (WHERE state = 'failed')::int AS failed
         FROM (SELECT name, state, retry_count, retry_limit FROM pgboss.job
               UNION ALL SELECT name, state, retry_count, retry_limit FROM pgboss.archive) j
        WHERE name LIKE 'pulse.%' OR name LIKE 'focus.%' GROUP BY name`,
    );
    expect(jobs.filter((j) => j.over > 0 || j.failed > 0)).toEqual([]);
    // With jitter: the waits between a 500 and the same agent's next attempt are not one value.
    const gaps = retryGaps(w.slack.calls().filter((c) => STORM_METHODS.includes(c.method)));
    expect(gaps.length).toBeGreaterThan(2);
    expect(new Set(gaps.map((g) => Math.round(g / 100))).size).toBeGreaterThan(1);

    // One line for the one thing given up; nothing else given up.
    const lines = jsonLines(app!.output());
    const givenUp = lines.filter((l) => /given up/.test(String(l.msg)));
    expect(givenUp.map((l) => l.msg)).toEqual(['focus restore given up']);
    const [revokedBlock] = await db<{ id: string }>(
      `SELECT b.id FROM focus_blocks b JOIN people p ON p.id = b.person_id WHERE p.slack_user_id = $1`,
      [revoked],
    );
    expect(givenUp[0]).toMatchObject({ blockId: revokedBlock.id });
    expect(String(givenUp[0].err)).toMatch(/token_revoked/);

    const calls = w.slack.calls().filter((c) => STORM_METHODS.includes(c.method));
    const violations = w.slack.rateLimitViolations().map((v) => ({
      method: v.method,
      msAfter429: v.at - v.announcedAt,
      target: targetOf(v),
      // This caller had already been answered 429 in this window.
      toldBefore: calls.some(
        (c) =>
          c.method === v.method &&
          targetOf(c) === targetOf(v) &&
          c.status === 429 &&
          c.at >= v.announcedAt &&
          c.at < v.at,
      ),
    }));
    console.log(
      `slack-storm observed: ${JSON.stringify({
        endedInStorm,
        calls: calls.length,
        served: calls.filter(ok).length,
        http500: calls.filter((c) => c.status === 500).length,
        hung: calls.filter((c) => c.hung).length,
        http429: calls.filter((c) => c.status === 429).length,
        retryGapsSeconds: {
          min: Math.min(...gaps) / 1000,
          max: Math.max(...gaps) / 1000,
          count: gaps.length,
        },
        jobFailedLines: lines.filter((l) => l.msg === 'job failed').length,
        rateLimitedLines: lines.filter((l) => l.msg === 'slack rate limited').length,
        inFlightAt429: violations.length,
        inFlightMsAfter429Max: Math.max(0, ...violations.map((v) => v.msAfter429)),
        // How long after the storm the last DM and the last snooze landed.
        lastDmAfterStormS: lastOkAfter('chat.postMessage', stormEnds),
        lastSnoozeAfterStormS: lastOkAfter('dnd.setSnooze', stormEnds),
      })}`,
    );

    // No call before a Retry-After. Calls already on their way when a 429 was answered
    // (concurrent jobs past their checks) arrive in the moment after it, and Slack answers them
    // 429 too; none may come later in the window (the DM jobs, before they shared the pause,
    // kept calling for seconds), and no caller answered 429 in a window calls again in it.
    expect(violations.filter((v) => v.msAfter429 >= IN_FLIGHT_MS)).toEqual([]);
    expect(violations.filter((v) => v.toldBefore)).toEqual([]);
  });
});

/** For each 500, the time until the next call of the same method with the same token. */
function retryGaps(calls: CallRecord[]): number[] {
  const gaps: number[] = [];
  calls.forEach((c, i) => {
    if (c.status !== 500) return;
    const next = calls
      .slice(i + 1)
      .find((d) => d.method === c.method && d.token === c.token && sameTarget(c, d));
    if (next) gaps.push(next.at - c.at);
  });
  return gaps;
}

/** Bot-token calls are told apart by whom they are for (the DM's user or channel). */
function sameTarget(a: CallRecord, b: CallRecord): boolean {
  const key = (c: CallRecord) => String(c.params.users ?? c.params.channel ?? '');
  return key(a) === key(b);
}

/** Who a call is for: the DM's user or channel for the bot, else the agent's own token. */
function targetOf(c: CallRecord): string {
  return String(c.params.users ?? c.params.channel ?? c.token);
}
