/**
 * bench/pulse-results — published results and trends over a year of weekly rounds: 10,000
 * agents in 50 teams, 52 closed rounds, ≥ 1,000,000 answer rows, seeded with set-based SQL and
 * closed through the app's own close path (which computes round_tallies / round_group_sizes).
 * Then, interleaved in one run: the four read endpoints over HTTP through the real app, and the
 * naive alternative — the same figures aggregated from raw `answers` rows on every request.
 *
 * Targets (benchmark issue): p95 ≤ 50 ms per endpoint; ≥ 20× faster than the naive aggregate.
 *
 *   npm run bench:pulse-results
 *   env: BENCH_DATABASE_URL (admin URL of the server, default postgres://postgres@127.0.0.1:5432/postgres)
 *        BENCH_SECONDS (time budget of the timed passes, default 60; an endpoint pass still runs at
 *        least 20 iterations, an SQL-only pass 10), BENCH_ITERATIONS (cap per pass, default 300),
 *        BENCH_PROFILE_DIR (when set, a V8 CPU profile of the app over each endpoint pass)
 */
import type { Agent } from 'node:http';
import * as path from 'node:path';
import { Pool } from 'pg';
import {
  benchAdminToken,
  createSurvey,
  fmt,
  json,
  keepAliveAgent,
  migratedBenchDatabase,
  onCleanup,
  percentile,
  poolTotal,
  printBanner,
  queryDelta,
  runBenchmark,
  send,
  startBenchApp,
  table,
  verdict,
} from './support/harness';

const PEOPLE = 10_000;
const TEAMS = 50;
const ROUNDS = 52;
const PARTICIPATION = 0.65;
const COMMENT_RATE = 0.1;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const MAX_ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);
const MIN_ITERATIONS = 20;
const WARMUP_ITERATIONS = 3;
const ADMIN_TOKEN = benchAdminToken();
const TARGET_P95_MS = 50;
const TARGET_SPEEDUP = 20;

const QUESTIONS = [
  { id: 'workload', kind: 'scale5', prompt: 'My workload this week was manageable' },
  { id: 'recognition', kind: 'scale5', prompt: 'I got recognition for good work this week' },
  { id: 'enps', kind: 'enps', prompt: 'How likely are you to recommend working here?' },
  { id: 'comment', kind: 'text', prompt: 'Anything you want to tell HR?' },
];

// ------------------------------------------------------------------------------ seeding

/**
 * Set-based seeding, shaped like real use: 48 teams of ~206, two tiny teams (4 and 8 people, so
 * suppression and complementary suppression have work to do) and 100 people in no team; each
 * round invites everyone, ~65 % answer, ~10 % of them leave a comment. Rows of one round are
 * written together (ordered by round), as a weekly round's answers arrive within its window.
 */
async function seed(sql: Pool, workspaceId: string, surveyId: string): Promise<void> {
  await sql.query(`SELECT setseed(0.42)`);
  await sql.query(
    `INSERT INTO teams (workspace_id, name)
     SELECT $1, 'Team ' || lpad(g::text, 2, '0') FROM generate_series(1, $2::int) g`,
    [workspaceId, TEAMS],
  );
  // Team by position: 1-100 none, 101-104 the tiny team 49, 105-112 team 50, others 1..48.
  await sql.query(
    `WITH t AS (SELECT array_agg(id ORDER BY name) AS ids FROM teams WHERE workspace_id = $1)
     INSERT INTO people (workspace_id, slack_user_id, name, tz, team_id)
     SELECT $1, 'UR' || lpad(g::text, 8, '0'), 'agent-' || g,
            (ARRAY['Europe/Paris', 'America/New_York', 'Asia/Manila', 'UTC'])[1 + g % 4],
            CASE WHEN g <= 100 THEN NULL
                 WHEN g <= 104 THEN t.ids[49]
                 WHEN g <= 112 THEN t.ids[50]
                 ELSE t.ids[1 + g % 48] END
       FROM generate_series(1, $2::int) g, t`,
    [workspaceId, PEOPLE],
  );
  await sql.query(
    `INSERT INTO rounds (survey_id, workspace_id, status, questions, k, opened_at, closes_at)
     SELECT s.id, s.workspace_id, 'open', s.questions, 5,
            date_trunc('week', now()) - make_interval(weeks => $2::int - w),
            date_trunc('week', now()) - make_interval(weeks => $2::int - w) + interval '72 hours'
       FROM surveys s, generate_series(0, $2::int - 1) w
      WHERE s.id = $1`,
    [surveyId, ROUNDS],
  );
  await sql.query(
    `INSERT INTO round_invitations (round_id, person_id, deliver_after, delivered_at, dm_channel, dm_ts, responded)
     SELECT r.id, p.id, r.opened_at, r.opened_at, 'D' || substr(p.slack_user_id, 3), '1700000000.000100',
            random() < $2
       FROM rounds r CROSS JOIN people p
      WHERE r.survey_id = $1
      ORDER BY r.opened_at`,
    [surveyId, PARTICIPATION],
  );
  // Content rows take the respondent's team as a snapshot, as ResponsesRepository.record does.
  await sql.query(
    `INSERT INTO responses (round_id, team_id)
     SELECT i.round_id, p.team_id
       FROM round_invitations i JOIN rounds r ON r.id = i.round_id JOIN people p ON p.id = i.person_id
      WHERE r.survey_id = $1 AND i.responded
      ORDER BY r.opened_at, random()`,
    [surveyId],
  );
  // Scores lean on the team a little, so groups differ; the enps spreads over 0..10.
  await sql.query(
    `INSERT INTO answers (response_id, round_id, team_id, question_id, value, comment)
     SELECT x.id, x.round_id, x.team_id, q.id,
            CASE q.id
              WHEN 'enps' THEN least(10, floor(random() * 8 + x.lean * 3))::int::text
              ELSE least(5, 1 + floor(random() * 4 + x.lean))::int::text
            END,
            NULL
       FROM (SELECT r.id, r.round_id, r.team_id, rd.opened_at,
                    ((hashtext(coalesce(r.team_id::text, '')) & 255) / 255.0) AS lean
               FROM responses r JOIN rounds rd ON rd.id = r.round_id WHERE rd.survey_id = $1) x
       CROSS JOIN (VALUES ('workload'), ('recognition'), ('enps')) q(id)
      ORDER BY x.opened_at, x.id`,
    [surveyId],
  );
  await sql.query(
    `INSERT INTO answers (response_id, round_id, team_id, question_id, value, comment)
     SELECT r.id, r.round_id, r.team_id, 'comment', NULL,
            'Week ' || to_char(rd.opened_at, 'IW') || ': ' ||
            (ARRAY['the new macro saved me time', 'too many escalations on Monday',
                   'shift swaps were painless', 'we need more coverage at lunch',
                   'great 1:1 with my lead'])[1 + floor(random() * 5)::int]
       FROM responses r JOIN rounds rd ON rd.id = r.round_id
      WHERE rd.survey_id = $1 AND random() < $2
      ORDER BY rd.opened_at`,
    [surveyId, COMMENT_RATE],
  );
}

// ------------------------------------------------------------------------------ naive

/** groupBy: per team; trends: all rounds of the survey, figures only (trends publish no comments). */
type Mode = { groupBy: boolean; trends: boolean };

/** The aggregation itself from raw rows: counts per question and value (and team), respondents per group. */
function naiveAggregate(sql: Pool, roundIds: string[], { groupBy }: Mode) {
  const team = groupBy ? 'team_id,' : '';
  return [
    sql.query(
      `SELECT round_id, ${team} question_id, COALESCE(value, 'answered') AS value, count(*)::int AS n
         FROM answers WHERE round_id = ANY($1::uuid[])
        GROUP BY round_id, ${team} question_id, COALESCE(value, 'answered')`,
      [roundIds],
    ),
    sql.query(
      `SELECT round_id, ${team} count(*)::int AS respondents
         FROM responses WHERE round_id = ANY($1::uuid[]) GROUP BY round_id ${groupBy ? ', team_id' : ''}`,
      [roundIds],
    ),
  ];
}

/** The same figures from the aggregates computed at close, as ResponsesRepository reads them. */
function preAggregate(sql: Pool, roundIds: string[]) {
  return [
    sql.query(
      `SELECT round_id, team_id, question_id, value, n FROM round_tallies WHERE round_id = ANY($1::uuid[])`,
      [roundIds],
    ),
    sql.query(
      `SELECT round_id, team_id, respondents FROM round_group_sizes WHERE round_id = ANY($1::uuid[])`,
      [roundIds],
    ),
  ];
}

/**
 * What the endpoint publishes besides figures, read the same way on either path: participation,
 * and the comments for results (trends publish figures only, so their naive request reads none).
 */
function commentsAndParticipation(sql: Pool, roundIds: string[], { trends }: Mode) {
  return [
    ...(trends
      ? []
      : [
          sql.query(
            `SELECT round_id, team_id, question_id, comment FROM answers
              WHERE round_id = ANY($1::uuid[]) AND comment IS NOT NULL`,
            [roundIds],
          ),
        ]),
    sql.query(
      `SELECT round_id, count(*)::int AS invited, count(*) FILTER (WHERE responded)::int AS responded
         FROM round_invitations WHERE round_id = ANY($1::uuid[]) GROUP BY round_id`,
      [roundIds],
    ),
  ];
}

/**
 * A naive request: everything results need, aggregated from raw rows at request time, its
 * statements run concurrently on the pool (as the app runs its reads). SQL only — no HTTP, no
 * JSON, no suppression — so it is a lower bound of a naive endpoint and the speed-up errs low.
 */
async function naiveRequest(sql: Pool, roundIds: string[], mode: Mode): Promise<void> {
  await Promise.all([
    ...naiveAggregate(sql, roundIds, mode),
    ...commentsAndParticipation(sql, roundIds, mode),
  ]);
}

// ------------------------------------------------------------------------------ timing

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

/**
 * Alternates `a` and `b` (a, b, a, b, …) after a warm-up, until both the minimum count and the
 * time budget are reached (or the cap): the two series see the same machine noise.
 */
async function alternate(
  seconds: number,
  minIterations: number,
  a: (i: number) => Promise<unknown>,
  b: (i: number) => Promise<unknown>,
): Promise<{ a: number[]; b: number[] }> {
  for (let i = 0; i < WARMUP_ITERATIONS; i++) {
    await a(i);
    await b(i);
  }
  const out = { a: [] as number[], b: [] as number[] };
  const deadline = performance.now() + seconds * 1000;
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    if (i >= minIterations && performance.now() > deadline) break;
    out.a.push(await timed(() => a(i)));
    out.b.push(await timed(() => b(i)));
  }
  return out;
}

// ------------------------------------------------------------------------------ main

async function main(): Promise<void> {
  const started = Date.now();
  await printBanner('bench/pulse-results');

  const db = await migratedBenchDatabase();
  const sql = new Pool({ connectionString: db.url, max: 4 });
  // pg's Pool.end() resolves before its sockets close; the DROP DATABASE of the cleanup can then
  // terminate one, which must not crash the run at its very end.
  let ending = false;
  sql.on('error', (err) => {
    if (!ending) throw err;
  });
  onCleanup(() => {
    ending = true;
    return sql.end();
  });

  const [{ id: workspaceId }] = (
    await sql.query<{ id: string }>(
      `INSERT INTO workspaces (slack_team_id, name) VALUES ('T0BENCHRES', 'Bench Support') RETURNING id`,
    )
  ).rows;
  const app = await startBenchApp(db, ADMIN_TOKEN);
  const agent: Agent = keepAliveAgent(4);
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const survey = {
    id: await createSurvey(agent, app.url, admin, { title: 'Weekly pulse', questions: QUESTIONS }),
  };

  // ---- seed
  let t0 = performance.now();
  await seed(sql, workspaceId, survey.id);
  const seedSeconds = (performance.now() - t0) / 1000;
  const [counts] = (
    await sql.query(
      `SELECT (SELECT count(*) FROM people)::int AS people,
              (SELECT count(*) FROM teams)::int AS teams,
              (SELECT count(*) FROM rounds)::int AS rounds,
              (SELECT count(*) FROM round_invitations)::int AS invitations,
              (SELECT count(*) FROM responses)::int AS responses,
              (SELECT count(*) FROM answers)::int AS answers,
              (SELECT count(*) FROM answers WHERE comment IS NOT NULL)::int AS comments`,
    )
  ).rows;
  console.log(
    `  seeded in ${fmt(seedSeconds)} s: ${counts.people} people, ${counts.teams} teams, ` +
      `${counts.rounds} rounds, ${counts.invitations} invitations, ${counts.responses} responses, ` +
      `${counts.answers} answer rows (${counts.comments} comments)`,
  );
  if (counts.answers < 1_000_000) throw new Error(`only ${counts.answers} answer rows`);

  // ---- close every round through the app (tallies, group sizes, restamp), oldest first
  const roundIds = (
    await sql.query<{ id: string }>(
      `SELECT id FROM rounds WHERE survey_id = $1 ORDER BY opened_at`,
      [survey.id],
    )
  ).rows.map((r) => r.id);
  t0 = performance.now();
  const closeMs: number[] = [];
  for (const id of roundIds) {
    closeMs.push(
      await timed(() =>
        json(agent, app.url, { method: 'POST', path: `/api/rounds/${id}/close`, headers: admin }),
      ),
    );
  }
  const [agg] = (
    await sql.query(
      `SELECT (SELECT count(*) FROM round_tallies)::int AS tallies,
              (SELECT count(*) FROM round_group_sizes)::int AS sizes`,
    )
  ).rows;
  console.log(
    `  closed ${roundIds.length} rounds through POST /api/rounds/:id/close in ` +
      `${fmt((performance.now() - t0) / 1000)} s (per close: first ${fmt(closeMs[0], 0)} ms, ` +
      `median ${fmt(percentile(sorted(closeMs), 50), 0)} ms, ` +
      `last ${fmt(closeMs[closeMs.length - 1], 0)} ms); ${agg.tallies} tally rows, ${agg.sizes} group sizes`,
  );
  // The closes rewrote every row once (restamp); autovacuum would get there, the run does not wait.
  t0 = performance.now();
  await sql.query(`VACUUM ANALYZE`);
  // The schema has no index on responses(round_id) (only the close reads it, by seq scan); the
  // naive path gets one here, after the closes, so that it is a fair opponent.
  await sql.query(`CREATE INDEX bench_responses_round ON responses (round_id, team_id)`);
  await sql.query(`ANALYZE responses`);
  console.log(`  VACUUM ANALYZE + naive-path index in ${fmt((performance.now() - t0) / 1000)} s`);

  // ---- the app keeps a closed round's aggregates in memory once read (they never change):
  // the first request for each round reads them from Postgres. Timed here, once per round, so
  // the passes below measure the steady state and this cost is not hidden.
  const firstPerRound: number[] = [];
  for (const id of roundIds) {
    firstPerRound.push(
      await timed(() =>
        json(agent, app.url, { method: 'GET', path: `/api/rounds/${id}/results`, headers: admin }),
      ),
    );
  }
  // A fresh app process (empty memory) for the cold cost of trends: all 52 rounds read at once.
  const coldApp = await startBenchApp(db, ADMIN_TOKEN);
  const coldAgent = keepAliveAgent(1);
  const trendsPath = `/api/surveys/${survey.id}/trends`;
  const coldTrends = await timed(() =>
    json(coldAgent, coldApp.url, { method: 'GET', path: trendsPath, headers: admin }),
  );
  const warmTrends = await timed(() =>
    json(coldAgent, coldApp.url, { method: 'GET', path: trendsPath, headers: admin }),
  );
  // Trends rebuilt with every round's figures already in memory: what the first request after a
  // round closes, k changes or a team is renamed costs (here: k raised from 5 to 6, then back).
  const setK = (k: number) =>
    json(coldAgent, coldApp.url, {
      method: 'PATCH',
      path: '/api/settings',
      headers: admin,
      json: { anonymityThreshold: k },
    });
  const rebuilt: Record<string, number> = {};
  for (const [label, p] of [
    ['team, first', `${trendsPath}?groupBy=team`],
    ['team, second', `${trendsPath}?groupBy=team`],
  ] as const) {
    rebuilt[label] = await timed(() =>
      json(coldAgent, coldApp.url, { method: 'GET', path: p, headers: admin }),
    );
  }
  await setK(6);
  for (const [label, p] of [
    ['k = 6', trendsPath],
    ['k = 6, team', `${trendsPath}?groupBy=team`],
  ] as const) {
    rebuilt[label] = await timed(() =>
      json(coldAgent, coldApp.url, { method: 'GET', path: p, headers: admin }),
    );
  }
  await setK(5);
  coldAgent.destroy();
  await coldApp.stop();

  // ---- endpoints over HTTP vs naive requests, alternating, one endpoint at a time
  const endpoints = [
    { label: 'GET /api/rounds/:id/results', trends: false, groupBy: false },
    { label: 'GET /api/rounds/:id/results?groupBy=team', trends: false, groupBy: true },
    { label: 'GET /api/surveys/:id/trends', trends: true, groupBy: false },
    { label: 'GET /api/surveys/:id/trends?groupBy=team', trends: true, groupBy: true },
  ].map((e) => ({
    ...e,
    path: (round: string) =>
      (e.trends ? `/api/surveys/${survey.id}/trends` : `/api/rounds/${round}/results`) +
      (e.groupBy ? '?groupBy=team' : ''),
    ids: (round: string) => (e.trends ? roundIds : [round]),
  }));
  // A random round per iteration, the same one for both sides.
  const rounds = Array.from(
    { length: WARMUP_ITERATIONS + MAX_ITERATIONS },
    () => roundIds[Math.floor(Math.random() * roundIds.length)],
  );
  const get = async (path: string) => {
    const res = await send(agent, app.url, { method: 'GET', path, headers: admin });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.body.slice(0, 300)}`);
    JSON.parse(res.body);
    return res.body.length;
  };
  const endpointRuns = [];
  for (const [n, e] of endpoints.entries()) {
    const budget = SECONDS * (e.trends ? 0.35 : 0.1);
    const profileFile = process.env.BENCH_PROFILE_DIR
      ? path.resolve(process.env.BENCH_PROFILE_DIR, `pulse-results-${Date.now()}-${n}.cpuprofile`)
      : undefined;
    const stopProfile = profileFile ? app.profile(profileFile) : undefined;
    const run = await alternate(
      budget,
      MIN_ITERATIONS,
      (i) => get(e.path(rounds[i])),
      (i) => naiveRequest(sql, e.ids(rounds[i]), e),
    );
    if (stopProfile) {
      await stopProfile();
      console.log(`  CPU profile of the app over "${e.label}": ${profileFile}`);
    }
    const before = await app.queryCounts();
    const bytes = await get(e.path(roundIds[0]));
    const statements = poolTotal(queryDelta(before, await app.queryCounts()), 'pulsedesk');
    endpointRuns.push({ ...e, pre: sorted(run.a), naive: sorted(run.b), bytes, statements });
  }

  // ---- the aggregation alone, SQL against SQL (what pre-aggregating at close buys)
  const aggregationRuns = [];
  for (const e of endpoints) {
    const run = await alternate(
      SECONDS * (e.trends ? 0.08 : 0.02),
      10,
      (i) => Promise.all(preAggregate(sql, e.ids(rounds[i]))),
      (i) => Promise.all(naiveAggregate(sql, e.ids(rounds[i]), e)),
    );
    aggregationRuns.push({ ...e, pre: sorted(run.a), naive: sorted(run.b) });
  }

  // ---- report
  console.log(
    `\nendpoints over HTTP (pre-aggregated at close) vs the naive request (SQL over raw rows), ms`,
  );
  console.log(
    table(
      [
        'endpoint',
        'n',
        'SQL/req',
        'KiB',
        'p50',
        'p95',
        'naive p50',
        'naive p95',
        'speed-up p50',
        'p95',
        'p95 ≤ 50 ms',
        '≥ 20×',
      ],
      endpointRuns.map((r) => {
        const s50 = percentile(r.naive, 50) / percentile(r.pre, 50);
        const s95 = percentile(r.naive, 95) / percentile(r.pre, 95);
        return [
          r.label,
          r.pre.length,
          r.statements,
          fmt(r.bytes / 1024, 0),
          fmt(percentile(r.pre, 50)),
          fmt(percentile(r.pre, 95)),
          fmt(percentile(r.naive, 50)),
          fmt(percentile(r.naive, 95)),
          `${fmt(s50)}×`,
          `${fmt(s95)}×`,
          verdict(percentile(r.pre, 95) <= TARGET_P95_MS),
          verdict(Math.min(s50, s95) >= TARGET_SPEEDUP),
        ];
      }),
    ),
  );
  console.log(
    '  one client, keep-alive, a random round per request; pre and naive alternate, so both see the',
  );
  console.log(
    '  same noise. naive = answer counts + respondents GROUP BY over raw rows, plus participation',
  );
  console.log(
    '  and (results only: trends publish no comments) the comments query, concurrently on 4',
  );
  console.log('  connections; SQL only (no HTTP/JSON).');
  console.log('  SQL/req: statements the app sent for one request; KiB: response body.');

  const firstSorted = sorted(firstPerRound);
  console.log(
    `\ncold reads (aggregates not yet in the app's memory), ms: first GET /api/rounds/:id/results ` +
      `of each of the ${roundIds.length} rounds p50 ${fmt(percentile(firstSorted, 50))}, ` +
      `p95 ${fmt(percentile(firstSorted, 95))}, max ${fmt(firstSorted[firstSorted.length - 1])}; ` +
      `GET /api/surveys/:id/trends on a fresh app process: first ${fmt(coldTrends)}, second ${fmt(warmTrends)}`,
  );
  console.log(
    `  then, figures in memory: trends?groupBy=team first ${fmt(rebuilt['team, first'])}, second ` +
      `${fmt(rebuilt['team, second'])}; after raising k to 6 (every round rebuilt): trends ` +
      `${fmt(rebuilt['k = 6'])}, trends?groupBy=team ${fmt(rebuilt['k = 6, team'])}`,
  );

  console.log(
    `\nthe aggregation alone, SQL vs SQL: round_tallies + round_group_sizes vs GROUP BY over answers + responses, ms`,
  );
  console.log(
    table(
      ['reads for', 'n', 'tallies p50', 'p95', 'raw GROUP BY p50', 'p95', 'speed-up p50', 'p95'],
      aggregationRuns.map((r) => [
        r.label,
        r.pre.length,
        fmt(percentile(r.pre, 50), 2),
        fmt(percentile(r.pre, 95), 2),
        fmt(percentile(r.naive, 50), 2),
        fmt(percentile(r.naive, 95), 2),
        `${fmt(percentile(r.naive, 50) / percentile(r.pre, 50))}×`,
        `${fmt(percentile(r.naive, 95) / percentile(r.pre, 95))}×`,
      ]),
    ),
  );

  await crossCheck(sql, agent, app.url, admin, roundIds[roundIds.length - 1]);
  await breakdown(sql, workspaceId, survey.id, roundIds);
  console.log(`\ntotal run time ${fmt((Date.now() - started) / 1000)} s`);
}

/** The published figures of one round equal those aggregated from its raw rows. */
async function crossCheck(
  sql: Pool,
  agent: Agent,
  base: string,
  admin: Record<string, string>,
  roundId: string,
): Promise<void> {
  const published = await json<{
    respondents: number;
    questions: { questionId: string; n: number; distribution: Record<string, number> }[];
  }>(agent, base, { method: 'GET', path: `/api/rounds/${roundId}/results`, headers: admin });
  const rows = (
    await sql.query<{ question_id: string; value: string; n: number }>(
      `SELECT question_id, value, count(*)::int AS n FROM answers
        WHERE round_id = $1 AND value IS NOT NULL GROUP BY 1, 2`,
      [roundId],
    )
  ).rows;
  const [{ respondents }] = (
    await sql.query<{ respondents: number }>(
      `SELECT count(*)::int AS respondents FROM responses WHERE round_id = $1`,
      [roundId],
    )
  ).rows;
  const mismatches: string[] = [];
  if (published.respondents !== respondents)
    mismatches.push(`respondents ${published.respondents} ≠ ${respondents}`);
  for (const row of rows) {
    const q = published.questions.find((x) => x.questionId === row.question_id);
    if (q?.distribution[row.value] !== row.n)
      mismatches.push(`${row.question_id}=${row.value}: ${q?.distribution[row.value]} ≠ ${row.n}`);
  }
  console.log(
    `\ncross-check, latest round: published figures vs raw rows — ` +
      (mismatches.length === 0
        ? `identical (${respondents} respondents, ${rows.length} value counts) OK`
        : `WRONG: ${mismatches.slice(0, 5).join('; ')}`),
  );
  if (mismatches.length > 0) throw new Error('published results differ from raw rows');
}

/**
 * Where a request's database time goes: each statement ResultsService runs, timed on its own
 * (median of 3) — in Postgres (EXPLAIN ANALYZE) and as the client sees it (transfer and row
 * parsing included) — times how often one results / trends request runs it.
 */
async function breakdown(
  sql: Pool,
  workspaceId: string,
  surveyId: string,
  roundIds: string[],
): Promise<void> {
  const median = async (fn: () => Promise<number>) => {
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) samples.push(await fn());
    return percentile(sorted(samples), 50);
  };
  const one = [roundIds[0]];
  const all = roundIds;
  const statements: {
    what: string;
    text: string;
    params: (ids: string[]) => unknown[];
    results: number;
    trends: number;
  }[] = [
    {
      what: 'auth: operator workspace (find first two)',
      text: `SELECT * FROM workspaces ORDER BY created_at LIMIT 2`,
      params: () => [],
      results: 1,
      trends: 1,
    },
    {
      what: 'the round by id',
      text: `SELECT * FROM rounds WHERE workspace_id = $1 AND id = $2`,
      params: (ids) => [workspaceId, ids[0]],
      results: 1,
      trends: 0,
    },
    {
      what: 'the survey, then its rounds',
      text: `SELECT * FROM rounds WHERE survey_id = $1 ORDER BY opened_at`,
      params: () => [surveyId],
      results: 0,
      trends: 2,
    },
    {
      what: 'settings (k): workspace by id',
      text: `SELECT * FROM workspaces WHERE id = $1`,
      params: () => [workspaceId],
      results: 1,
      trends: 1,
    },
    {
      what: 'team names',
      text: `SELECT * FROM teams WHERE workspace_id = $1 ORDER BY name`,
      params: () => [workspaceId],
      results: 1,
      trends: 1,
    },
    {
      what: 'miss only: round_tallies WHERE round_id = ANY(ids)',
      text: `SELECT round_id, team_id, question_id, value, n FROM round_tallies WHERE round_id = ANY($1::uuid[])`,
      params: (ids) => [ids],
      results: 1,
      trends: 1,
    },
    {
      what: 'miss only: round_group_sizes WHERE round_id = ANY(ids)',
      text: `SELECT round_id, team_id, respondents FROM round_group_sizes WHERE round_id = ANY($1::uuid[])`,
      params: (ids) => [ids],
      results: 1,
      trends: 1,
    },
    {
      what: 'miss only: comments WHERE round_id = ANY(ids)',
      text: `SELECT round_id, team_id, question_id, comment FROM answers
              WHERE round_id = ANY($1::uuid[]) AND comment IS NOT NULL`,
      params: (ids) => [ids],
      results: 1,
      trends: 1,
    },
    {
      what: 'miss only: participation (frozen at close)',
      text: `SELECT id AS round_id, invited, responded FROM rounds
              WHERE id = ANY($1::uuid[]) AND invited IS NOT NULL`,
      params: (ids) => [ids],
      results: 1,
      trends: 1,
    },
  ];
  const rows: (string | number)[][] = [];
  let totals = { results: 0, trends: 0 };
  for (const s of statements) {
    const ms: Record<'results' | 'trends', { server: number; client: number }> = {
      results: { server: 0, client: 0 },
      trends: { server: 0, client: 0 },
    };
    for (const kind of ['results', 'trends'] as const) {
      const params = s.params(kind === 'results' ? one : all);
      ms[kind].server = await median(async () => {
        const plan = await sql.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${s.text}`,
          params,
        );
        const parsed = plan.rows[0]['QUERY PLAN'] as { 'Execution Time': number }[];
        return parsed[0]['Execution Time'];
      });
      ms[kind].client = await median(() => timed(() => sql.query(s.text, params)));
    }
    totals = {
      results: totals.results + s.results * ms.results.client,
      trends: totals.trends + s.trends * ms.trends.client,
    };
    rows.push([
      s.what,
      s.results,
      fmt(ms.results.server, 2),
      fmt(ms.results.client, 2),
      s.trends,
      fmt(ms.trends.server, 2),
      fmt(ms.trends.client, 2),
      fmt(s.trends * ms.trends.client, 1),
    ]);
  }
  rows.push([
    'sum, cold (statements run one after another)',
    '',
    '',
    fmt(totals.results, 1),
    '',
    '',
    '',
    fmt(totals.trends, 1),
  ]);
  console.log(
    '\nwhere a request spends its database time: each statement the read path runs, timed alone (median of 3, ms)',
  );
  console.log(
    table(
      [
        'statement',
        'results ×',
        'server',
        'client',
        'trends ×',
        'server',
        'client',
        'trends total',
      ],
      rows,
    ),
  );
  console.log(
    '  server = EXPLAIN ANALYZE execution time; client = as node-postgres sees it (transfer + row parsing).',
  );
  console.log(
    "  'miss only': read when the round's aggregates are not in the app's memory yet (once per round",
  );
  console.log('  and process); a warm request runs only the first five.');
}

runBenchmark(main);
