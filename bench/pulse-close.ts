/**
 * bench/pulse-close — closing a round of sealed ballots: `POST /api/rounds/:id/close` on a round
 * of 10,000 responses (unwrap the round key, open every ballot, shuffle, merge unpublishable
 * teams, write responses and answers under fresh ids, tally, delete the ballots), and in the same
 * run a round of 6,500, against the real app on the Postgres server.
 *
 * The ballots go in through the app's real answer path: signed Slack `view_submission`s to
 * `POST /slack/events` from 50 keep-alive clients (as bench/pulse-ingest), so what the close
 * opens is exactly what the app writes (claim, then the ballot sealed in the process, batched by
 * the Coalescer). The close is timed end to end over HTTP and split into its statements and the
 * app's work between them (a statement trace taken in the app process, from outside src/).
 *
 * For reference, the close before sealed ballots (`ed54ff7`: tally, then rewrite the plaintext
 * responses and answers under fresh ids in random order) is replayed as SQL on a plaintext twin
 * of each round: the same people, teams and answers, as that code stored them while the round
 * was open.
 *
 * Target (benchmark issue): closing 10,000 responses ≤ 3 s on this machine.
 *
 *   npm run bench:pulse-close
 *   env: BENCH_DATABASE_URL (admin URL of the server, default postgres://postgres@127.0.0.1:5432/postgres)
 *        BENCH_CONCURRENCY (clients sending the answers, default 50),
 *        BENCH_PROFILE_DIR (when set, a V8 CPU profile of the app over the 10,000 close: slower)
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { KeyRing } from '../src/common/key-ring';
import { decodeBallot } from '../src/pulse/sealing/ballot-codec';
import { openBallot, unwrapRoundKey } from '../src/pulse/sealing/ballot-seal';
import { MERGED_TEAM_ID } from '../src/pulse/sealing/publishable-groups';
import { signSlackRequest } from '../test/support/slack-signing';
import {
  benchAdminToken,
  benchSubmissionBody,
  type BenchAnswer,
  createSurvey,
  fmt,
  json,
  keepAliveAgent,
  printBanner,
  runBenchmark,
  runLoad,
  send,
  startSlackBench,
  table,
  type AppProcess,
  type TracedStatement,
  verdict,
} from './support/harness';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const SLACK_TEAM = 'T0BENCH002';
const SIGNING_SECRET = `bench-signing-${randomBytes(12).toString('hex')}`;
const ADMIN_TOKEN = benchAdminToken();
/** The app's ENCRYPTION_KEY, known here so the bench can open a round's ballots by itself. */
const ENCRYPTION_KEY = randomBytes(32);
const K = 5;

const TARGET_MS = 3000;
/** The issue's figure for today's (plaintext) close, quoted beside the measured replay. */
const ISSUE_REFERENCE = 'about 0.5 s for 6,500 respondents (the issue)';

const QUESTIONS = [
  { id: 'workload', kind: 'scale5', prompt: 'My workload this week was manageable' },
  { id: 'enps', kind: 'enps', prompt: 'How likely are you to recommend working here?' },
  { id: 'comment', kind: 'text', prompt: 'Anything else?' },
] as const;

// ------------------------------------------------------------------------------ the workspace

/**
 * 10,000 people: 20 teams of ~500 (the first 13 hold 6,495), two tiny teams of 2 and 3 (below
 * k = 5, so the close merges them) and 20 people in no team. The 6,500 round asks the first 13
 * teams and the tiny ones; the warm-up round the last team.
 */
const TINY = [2, 3];
const NO_TEAM = 20;
const FIRST_13 = split(6_495, 13);
const LAST_7 = split(10_000 - 6_495 - 5 - NO_TEAM, 7);
const BIG = [...FIRST_13, ...LAST_7];
const PEOPLE = BIG.reduce((a, b) => a + b, 0) + TINY.reduce((a, b) => a + b, 0) + NO_TEAM;

function split(total: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0),
  );
}

/** Team index of each person (0–19 big, 20–21 tiny), or -1 for no team. */
function teamLayout(): number[] {
  const out: number[] = [];
  BIG.forEach((n, t) => out.push(...Array<number>(n).fill(t)));
  TINY.forEach((n, t) => out.push(...Array<number>(n).fill(BIG.length + t)));
  out.push(...Array<number>(NO_TEAM).fill(-1));
  return out;
}

/** Person i's answer to round r: spread scores, a comment from about a third. */
function answerOf(i: number, r: number): BenchAnswer {
  return {
    workload: String(1 + ((i + r) % 5)),
    enps: String((i * 7 + r) % 11),
    comment: (i + r) % 3 === 0 ? `Queue was long on Tuesday, round ${r} (#${i})` : '',
  };
}

interface BenchRound {
  label: string;
  /** Seed of the answers (answerOf's r). */
  r: number;
  id: string;
  /** Person indexes invited (everyone answers). */
  people: number[];
  /** The plaintext twin for the old close's replay. */
  twinId?: string;
}

// ------------------------------------------------------------------------------ phases

interface Phase {
  name: string;
  ms: number;
}

/**
 * The close request split by its statements: the closing transaction is found on the
 * connection that sent markClosed; the gaps between its statements are the app's own work (the
 * statement that follows a gap names it: the gap before `DELETE FROM ballots` is opening the
 * ballots). A statement's time runs until `pg` has parsed its result, so reading the ballots
 * includes decoding 40 MB of bytea in the app.
 */
function closePhases(trace: TracedStatement[], sentAt: number, answeredAt: number): Phase[] {
  const mark = trace.find((s) => s.head.startsWith('WITH before AS'));
  if (!mark) return [];
  const tx = trace
    .filter((s) => s.client === mark.client && s.start >= sentAt && s.end <= answeredAt)
    .sort((a, b) => a.start - b.start);
  const begin = tx.findLastIndex((s) => s.start <= mark.start && /^START TRANSACTION/.test(s.head));
  const commit = tx.findIndex((s) => s.start >= mark.end && /^COMMIT/.test(s.head));
  if (begin < 0 || commit < 0) return [];
  const inTx = tx.slice(begin, commit + 1);
  const find = (re: RegExp) => inTx.findIndex((s) => re.test(s.head));
  const findLast = (re: RegExp) => inTx.findLastIndex((s) => re.test(s.head));
  const span = (from: number, to: number) => (from < 0 || to < 0 ? NaN : to - from);
  const iMark = find(/^WITH before AS/);
  const iBallots = find(/^SELECT id, sealed FROM ballots/);
  const iUnsealed = find(/^SELECT r\.id AS response_id/);
  const iDelete = find(/^DELETE FROM ballots/);
  const iFirstWrite = find(/^INSERT INTO (round_merged_teams|responses)/);
  const iLastAnswers = findLast(/^INSERT INTO answers/);
  const iTallies = find(/^INSERT INTO round_tallies/);
  const iRestamp = find(/^UPDATE round_invitations SET responded = responded/);
  const iCommit = inTx.length - 1;
  const at = (i: number, edge: 'start' | 'end') => (i < 0 ? NaN : inTx[i][edge]);
  const writes = inTx.filter(
    (s, i) => i >= iFirstWrite && i <= iLastAnswers && /^INSERT/.test(s.head),
  );
  const writeSql = writes.reduce((sum, s) => sum + s.end - s.start, 0);
  return [
    { name: 'before the transaction (auth, round, k)', ms: span(sentAt, at(0, 'start')) },
    {
      name: 'BEGIN + mark closed (lock, freeze participation)',
      ms: span(at(0, 'start'), at(iMark, 'end')),
    },
    {
      name: 'read the ballots (SQL + pg decoding bytea)',
      ms: span(at(iMark, 'end'), at(iBallots, 'end')),
    },
    {
      name: 'read plaintext left by the old release',
      ms: span(at(iBallots, 'end'), at(iUnsealed, 'end')),
    },
    {
      name: 'unwrap key, decrypt + decode every ballot (app)',
      ms: span(at(iUnsealed, 'end'), at(iDelete, 'start')),
    },
    { name: 'delete the ballots', ms: span(at(iDelete, 'start'), at(iDelete, 'end')) },
    { name: 'merge + shuffle (app)', ms: span(at(iDelete, 'end'), at(iFirstWrite, 'start')) },
    { name: 'write responses + answers: SQL', ms: writeSql },
    {
      name: 'write responses + answers: app between',
      ms: span(at(iFirstWrite, 'start'), at(iLastAnswers, 'end')) - writeSql,
    },
    {
      name: 'tally (group sizes + tallies)',
      ms: span(at(iLastAnswers, 'end'), at(iTallies, 'end')),
    },
    { name: 'restamp participation', ms: span(at(iTallies, 'end'), at(iRestamp, 'end')) },
    {
      name: 'purge answered jobs + queue HR summary',
      ms: span(at(iRestamp, 'end'), at(iCommit, 'start')),
    },
    { name: 'COMMIT', ms: span(at(iCommit, 'start'), at(iCommit, 'end')) },
    {
      name: 'after the transaction (read back, respond)',
      ms: span(at(iCommit, 'end'), answeredAt),
    },
  ];
}

// ------------------------------------------------------------------------------ the old close

/**
 * The closing transaction of `ed54ff7` (RoundsService.close before sealed ballots), statement for
 * statement, on a plaintext twin: mark closed, tally, reshuffle (rewrite responses and answers
 * under fresh ids in random order), restamp participation, purge the answered-DM jobs. Its HR
 * summary job (one row) is left out, so the job is not run for a twin.
 */
async function oldClose(sql: Client, roundId: string): Promise<{ ms: number; steps: Phase[] }> {
  const steps: Phase[] = [];
  const step = async (name: string, text: string, params: unknown[] = []) => {
    const t = performance.now();
    await sql.query(text, params);
    steps.push({ name, ms: performance.now() - t });
  };
  const t0 = performance.now();
  await step('BEGIN', 'BEGIN');
  await step(
    'mark closed',
    `UPDATE rounds r SET status = 'closed', closed_at = $2,
            invited = (SELECT count(*) FROM round_invitations i WHERE i.round_id = r.id),
            responded = (SELECT count(*) FROM round_invitations i WHERE i.round_id = r.id AND i.responded)
      WHERE r.id = $1 AND r.status = 'open' RETURNING r.id`,
    [roundId, new Date()],
  );
  await step(
    'tally: group sizes',
    `INSERT INTO round_group_sizes (round_id, team_id, respondents)
     SELECT round_id, team_id, count(*) FROM responses WHERE round_id = $1 GROUP BY round_id, team_id`,
    [roundId],
  );
  await step(
    'tally: tallies',
    `INSERT INTO round_tallies (round_id, team_id, question_id, value, n)
     SELECT round_id, team_id, question_id, COALESCE(value, $2), count(*)
       FROM answers WHERE round_id = $1
      GROUP BY round_id, team_id, question_id, COALESCE(value, $2)`,
    [roundId, 'answered'],
  );
  await step(
    'reshuffle: copy responses',
    `CREATE TEMP TABLE reshuffled_responses ON COMMIT DROP AS
       SELECT id AS old_id, gen_random_uuid() AS new_id, team_id FROM responses WHERE round_id = $1`,
    [roundId],
  );
  await step(
    'reshuffle: copy answers',
    `CREATE TEMP TABLE reshuffled_answers ON COMMIT DROP AS
       SELECT r.new_id, a.team_id, a.question_id, a.value, a.comment
         FROM answers a JOIN reshuffled_responses r ON r.old_id = a.response_id
        WHERE a.round_id = $1`,
    [roundId],
  );
  await step('reshuffle: delete', `DELETE FROM responses WHERE round_id = $1`, [roundId]);
  await step(
    'reshuffle: insert responses',
    `INSERT INTO responses (id, round_id, team_id)
     SELECT new_id, $1, team_id FROM reshuffled_responses ORDER BY random()`,
    [roundId],
  );
  await step(
    'reshuffle: insert answers',
    `INSERT INTO answers (response_id, round_id, team_id, question_id, value, comment)
     SELECT new_id, $1, team_id, question_id, value, comment FROM reshuffled_answers ORDER BY random()`,
    [roundId],
  );
  await step('reshuffle: drop temp tables', `DROP TABLE reshuffled_answers`);
  await step('reshuffle: drop temp tables', `DROP TABLE reshuffled_responses`);
  await step(
    'restamp participation',
    `UPDATE round_invitations SET responded = responded WHERE round_id = $1`,
    [roundId],
  );
  for (const t of ['job', 'archive']) {
    await step(
      'purge answered jobs',
      `DELETE FROM pgboss.${t} WHERE name = $1 AND data @> $2::jsonb`,
      ['pulse.answered', JSON.stringify({ roundId })],
    );
  }
  await step('COMMIT', 'COMMIT');
  const merged = new Map<string, number>();
  for (const s of steps) merged.set(s.name, (merged.get(s.name) ?? 0) + s.ms);
  return {
    ms: performance.now() - t0,
    steps: [...merged].map(([name, ms]) => ({ name, ms })),
  };
}

/**
 * A plaintext twin of a round as the old release stored it while open: a round of the same
 * survey, the same invitations (all answered), one `responses` row per answer with the
 * person's team and its `answers` rows, in arrival order; and a copy of the round's completed
 * answered-DM jobs, which the close purges.
 */
async function plaintextTwin(
  sql: Client,
  round: BenchRound,
  teamIds: (string | null)[],
  layout: number[],
): Promise<string> {
  const [{ id }] = (
    await sql.query<{ id: string }>(
      `INSERT INTO rounds (survey_id, workspace_id, status, questions, k, opened_at, closes_at)
       SELECT survey_id, workspace_id, 'open', questions, k, opened_at, closes_at
         FROM rounds WHERE id = $1 RETURNING id`,
      [round.id],
    )
  ).rows;
  await sql.query(
    `INSERT INTO round_invitations (round_id, person_id, deliver_after, responded)
     SELECT $2, person_id, deliver_after, responded FROM round_invitations WHERE round_id = $1`,
    [round.id, id],
  );
  const chunk = 2000;
  for (let c = 0; c < round.people.length; c += chunk) {
    const part = round.people.slice(c, c + chunk);
    const team = (i: number) => (layout[i] < 0 ? null : teamIds[layout[i]]);
    const responseIds = (
      await sql.query<{ id: string }>(
        `INSERT INTO responses (round_id, team_id)
         SELECT $1, t FROM unnest($2::uuid[]) WITH ORDINALITY AS u(t, o) ORDER BY o RETURNING id`,
        [id, part.map(team)],
      )
    ).rows.map((r) => r.id);
    const rows: [string, string | null, string, string | null, string | null][] = [];
    part.forEach((i, j) => {
      const a = answerOf(i, round.r);
      rows.push([responseIds[j], team(i), 'workload', a.workload, null]);
      rows.push([responseIds[j], team(i), 'enps', a.enps, null]);
      if (a.comment) rows.push([responseIds[j], team(i), 'comment', null, a.comment]);
    });
    await sql.query(
      `INSERT INTO answers (response_id, round_id, team_id, question_id, value, comment)
       SELECT r, $1, t, q, v, c FROM unnest($2::uuid[], $3::uuid[], $4::varchar[], $5::varchar[], $6::text[])
         AS u(r, t, q, v, c)`,
      [id, ...[0, 1, 2, 3, 4].map((k) => rows.map((row) => row[k]))],
    );
  }
  await sql.query(
    `INSERT INTO pgboss.job (name, data, state, retry_limit, retry_delay, created_on, started_on, completed_on, policy)
     SELECT name, data || jsonb_build_object('roundId', $2::text), state, retry_limit, retry_delay,
            created_on, started_on, completed_on, policy
       FROM pgboss.job WHERE name = 'pulse.answered' AND data @> jsonb_build_object('roundId', $1::text)`,
    [round.id, id],
  );
  return id;
}

// ------------------------------------------------------------------------------ main

interface CloseResult {
  label: string;
  responses: number;
  ms: number;
  /** The closing transaction, from its BEGIN to its COMMIT's answer. */
  txMs: number;
  appCpuMs: number;
  /** Resident memory of the app before the close, and the most sampled during it (every 10 ms). */
  rssBefore: number;
  rssMax: number;
  phases: Phase[];
  statements: number;
  load: string;
}

/**
 * How busy the machine is as a close starts: the 1-minute load average and, on Linux, the share
 * of the last 10 s in which some task waited for a CPU (/proc/pressure/cpu `some avg10`).
 */
function machineNow(): string {
  let pressure = '';
  try {
    const m = /^some avg10=([\d.]+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    if (m) pressure = `, CPU wait ${Math.round(Number(m[1]))} %`;
  } catch {
    // no pressure stall information here
  }
  return `${os.loadavg()[0].toFixed(1)}${pressure}`;
}

/** Samples a process's resident set size (VmRSS) every 10 ms; stop() returns the most seen. */
function sampleRss(pid: number): { stop(): number } {
  let max = NaN;
  const take = () => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) max = Math.max(Number.isNaN(max) ? 0 : max, Number(m[1]) * 1024);
    } catch {
      // not Linux: no figure
    }
  };
  take();
  const timer = setInterval(take, 10);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return max;
    },
  };
}

/**
 * The close's first steps alone, on the 10,000 round before it closes, in this process (the same
 * Node and `pg` as the app, sharing the machine with it): the ballots read by the server alone
 * (detoasted, nothing sent), read through `pg` as the app does (text protocol: bytea travels
 * as hex and is decoded in JavaScript), and as base64; then the round key unwrapped with
 * ENCRYPTION_KEY and every ballot decrypted, then decoded. The better of two passes of each.
 */
async function ballotPhasesAlone(sql: Client, roundId: string): Promise<Phase[]> {
  const best = async (run: () => Promise<unknown> | unknown) => {
    let ms = Infinity;
    for (let pass = 0; pass < 2; pass++) {
      const t = performance.now();
      await run();
      ms = Math.min(ms, performance.now() - t);
    }
    return ms;
  };
  const query = `SELECT id, sealed FROM ballots WHERE round_id = $1`;
  const serverMs = await best(() =>
    sql.query(`SELECT sum(get_byte(sealed, 0)) FROM ballots WHERE round_id = $1`, [roundId]),
  );
  let ballots: { id: string; sealed: Buffer }[] = [];
  const textMs = await best(async () => {
    ballots = (await sql.query<{ id: string; sealed: Buffer }>(query, [roundId])).rows;
  });
  // pg's binary mode is no alternative: pg-protocol reads every field of a row as UTF-8 text,
  // which mangles bytea (and took 1.8 s here). Base64 is a third less to send and parse than hex.
  const base64Ms = await best(async () => {
    const { rows } = await sql.query<{ id: string; sealed: string }>(
      `SELECT id, encode(sealed, 'base64') AS sealed FROM ballots WHERE round_id = $1`,
      [roundId],
    );
    for (const row of rows) Buffer.from(row.sealed, 'base64');
  });
  const [{ ballot_key: wrapped, questions }] = (
    await sql.query<{ ballot_key: string; questions: Parameters<typeof decodeBallot>[0] }>(
      `SELECT ballot_key, questions FROM rounds WHERE id = $1`,
      [roundId],
    )
  ).rows;
  const ring = new KeyRing(ENCRYPTION_KEY);
  let key: Buffer = Buffer.alloc(0);
  const unwrapMs = await best(() => {
    key = unwrapRoundKey(ring, roundId, wrapped);
  });
  let plain: Buffer[] = [];
  const openMs = await best(() => {
    plain = ballots.map((b) => openBallot(key, roundId, b.id, b.sealed));
  });
  const decodeMs = await best(() => plain.map((p) => decodeBallot(questions, p)));
  return [
    { name: `server reads ${ballots.length} ballots (detoast, nothing sent)`, ms: serverMs },
    { name: 'read through pg, text protocol (as the app)', ms: textMs },
    { name: "read through pg as encode(sealed, 'base64'), then decoded", ms: base64Ms },
    { name: 'unwrap the round key', ms: unwrapMs },
    { name: 'decrypt every ballot (AES-256-GCM)', ms: openMs },
    { name: 'decode every ballot', ms: decodeMs },
  ];
}

async function closeThroughApi(
  app: AppProcess,
  round: BenchRound,
  profileFile?: string,
): Promise<CloseResult> {
  const agent = keepAliveAgent(1);
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const load = machineNow();
  const before = await app.resources();
  const rss = sampleRss(app.pid);
  const stopProfile = profileFile ? app.profile(profileFile) : undefined;
  const stopTrace = await app.trace();
  const sentAt = performance.timeOrigin + performance.now();
  const res = await send(agent, app.url, {
    method: 'POST',
    path: `/api/rounds/${round.id}/close`,
    headers: { ...admin, 'content-type': 'application/json' },
  });
  const answeredAt = performance.timeOrigin + performance.now();
  const rssMax = rss.stop();
  const trace = await stopTrace();
  if (stopProfile) await stopProfile();
  const after = await app.resources();
  agent.destroy();
  if (res.status !== 200) throw new Error(`close ${round.label}: ${res.status} ${res.body}`);
  const phases = closePhases(trace, sentAt, answeredAt);
  const txStart = trace.find((s) => s.head.startsWith('WITH before AS'));
  const txStatements = txStart ? trace.filter((s) => s.client === txStart.client) : [];
  const begin = txStatements.find((s) => /^START TRANSACTION/.test(s.head));
  const commit = txStatements.findLast((s) => /^COMMIT/.test(s.head));
  return {
    label: round.label,
    responses: round.people.length,
    ms: answeredAt - sentAt,
    txMs: begin && commit ? commit.end - begin.start : NaN,
    appCpuMs: after.cpuMs - before.cpuMs,
    rssBefore: before.rss,
    rssMax,
    phases,
    statements: trace.filter((s) => s.pool === 'pulsedesk').length,
    load,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  await printBanner('bench/pulse-close');
  const layout = teamLayout();
  console.log(
    `  ${PEOPLE} people: ${BIG.length} teams of ${Math.min(...BIG)}–${Math.max(...BIG)}, ` +
      `tiny teams of ${TINY.join(' and ')} (k = ${K}), ${NO_TEAM} in no team`,
  );

  const { sql, userIds, app } = await startSlackBench({
    team: { id: SLACK_TEAM, name: 'Bench Support' },
    agents: PEOPLE,
    idPrefix: 'UC',
    zones: ['Europe/Paris'],
    signingSecret: SIGNING_SECRET,
    adminToken: ADMIN_TOKEN,
    env: { ANONYMITY_THRESHOLD: String(K), ENCRYPTION_KEY: ENCRYPTION_KEY.toString('base64') },
  });

  // ---- seed through the API: people, teams, three surveys, their rounds
  const agent = keepAliveAgent(4);
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const t0 = performance.now();
  const synced = await json(agent, app.url, {
    method: 'POST',
    path: '/api/people/sync',
    headers: admin,
  });
  const teamIds: string[] = [];
  const teamNames = [
    ...BIG.map((_, t) => `Tier ${t + 1}`),
    ...TINY.map((_, t) => `Tiny ${String.fromCharCode(65 + t)}`),
  ];
  for (const name of teamNames) {
    const team = await json<{ id: string }>(
      agent,
      app.url,
      { method: 'POST', path: '/api/teams', headers: admin, json: { name } },
      201,
    );
    teamIds.push(team.id);
  }
  // Team membership straight in SQL (PATCH /api/people/:id one by one measures nothing).
  await sql.query(
    `UPDATE people p SET team_id = u.team_id
       FROM unnest($1::varchar[], $2::uuid[]) AS u(slack_user_id, team_id)
      WHERE p.slack_user_id = u.slack_user_id`,
    [userIds, layout.map((t) => (t < 0 ? null : teamIds[t]))],
  );
  const personIds = (
    await sql.query<{ id: string }>(
      `SELECT p.id FROM unnest($1::varchar[]) WITH ORDINALITY AS u(s, o)
         JOIN people p ON p.slack_user_id = u.s ORDER BY u.o`,
      [userIds],
    )
  ).rows.map((r) => r.id);
  if (personIds.length !== PEOPLE)
    throw new Error(`expected ${PEOPLE} people, got ${personIds.length}`);

  const whom = (teams: number[] | null) =>
    layout.flatMap((t, i) => (teams === null || teams.includes(t) ? [i] : []));
  const plans = [
    { label: 'warm-up', r: 0, teams: [BIG.length - 1] },
    { label: '6,500', r: 1, teams: [...FIRST_13.keys(), BIG.length, BIG.length + 1] },
    { label: '10,000', r: 2, teams: null },
  ];
  const rounds: BenchRound[] = [];
  for (const plan of plans) {
    const surveyId = await createSurvey(agent, app.url, admin, {
      title: `Weekly pulse (${plan.label})`,
      questions: QUESTIONS,
      ...(plan.teams ? { audienceTeamIds: plan.teams.map((t) => teamIds[t]) } : {}),
    });
    const opened = await json<{ id: string; invited: number }>(
      agent,
      app.url,
      { method: 'POST', path: `/api/surveys/${surveyId}/rounds`, headers: admin },
      201,
    );
    const people = whom(plan.teams);
    if (opened.invited !== people.length) {
      throw new Error(`${plan.label}: ${opened.invited} invited, expected ${people.length}`);
    }
    rounds.push({ label: plan.label, r: plan.r, id: opened.id, people });
  }
  // The invitation DMs (pg-boss jobs draining at ~20/s) are not what is measured.
  await sql.query(`DELETE FROM pgboss.job WHERE name = 'pulse.deliver' AND state = 'created'`);
  agent.destroy();
  console.log(
    `  seeded via API in ${fmt((performance.now() - t0) / 1000)} s: ${JSON.stringify(synced)}, ` +
      `${teamIds.length} teams; rounds: ${rounds.map((r) => `${r.label} (${r.people.length} invited)`).join(', ')}`,
  );

  // ---- every invitee answers every round they are asked, through the real answer path
  const bodies = rounds.flatMap((round) =>
    round.people.map((i) =>
      benchSubmissionBody(SLACK_TEAM, userIds[i], round.id, answerOf(i, round.r)),
    ),
  );
  const answered = await runLoad({
    label: 'answers',
    base: app.url,
    concurrency: CONCURRENCY,
    total: bodies.length,
    request: (i) => ({
      method: 'POST',
      path: '/slack/events',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...signSlackRequest(bodies[i], SIGNING_SECRET),
      },
      body: bodies[i],
    }),
    ok: (r) => r.status === 200 && !r.body.includes('response_action'),
  });
  console.log(
    `  ${answered.requests} answers as signed view_submissions in ${fmt(answered.seconds)} s ` +
      `(${fmt(answered.rps, 0)}/s, ${CONCURRENCY} clients), ${answered.errors} errors` +
      (answered.firstError ? ` (first: ${answered.firstError})` : ''),
  );
  if (answered.errors > 0) throw new Error('answers were refused');

  // The after-answer DM-update jobs: no DM was delivered, so each would find nothing to update;
  // the queue drains them at its polling pace (~25/s here), minutes for 17,000. By the end of a
  // round's window they are all completed, so the ones still waiting are marked completed (the
  // close's purge deletes the same rows either way), and the running ones are let finish, so
  // that no job runs beside a timed close.
  await new Promise((r) => setTimeout(r, 5000));
  const skipped = await sql.query(
    `UPDATE pgboss.job SET state = 'completed', completed_on = now()
      WHERE name = 'pulse.answered' AND state IN ('created', 'retry')`,
  );
  const drainStart = performance.now();
  for (;;) {
    const [{ pending }] = (
      await sql.query<{ pending: number }>(
        `SELECT count(*)::int AS pending FROM pgboss.job
          WHERE name = 'pulse.answered' AND state IN ('created', 'retry', 'active')`,
      )
    ).rows;
    if (pending === 0) break;
    if (performance.now() - drainStart > 120_000) throw new Error(`${pending} answered jobs stuck`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const [jobs] = (
    await sql.query<{ completed: number }>(
      `SELECT count(*)::int AS completed FROM pgboss.job WHERE name = 'pulse.answered' AND state = 'completed'`,
    )
  ).rows;
  console.log(
    `  answered-DM jobs: ${jobs.completed} completed (${skipped.rowCount} of them marked so, not run)`,
  );

  const [store] = (
    await sql.query<{ ballots: number; size: number; bytes: string; toast: string }>(
      `SELECT count(*)::int AS ballots, max(octet_length(sealed))::int AS size,
              pg_size_pretty(pg_total_relation_size('ballots')) AS bytes,
              pg_size_pretty(pg_relation_size((SELECT reltoastrelid FROM pg_class WHERE relname = 'ballots'))) AS toast
         FROM ballots`,
    )
  ).rows;
  console.log(
    `  ${store.ballots} sealed ballots of ${store.size} bytes each; table ballots ${store.bytes} ` +
      `(TOAST ${store.toast})`,
  );

  // ---- plaintext twins of the two measured rounds, for the old close's replay
  for (const round of rounds.slice(1)) {
    round.twinId = await plaintextTwin(sql, round, teamIds, layout);
  }
  // As autovacuum would have by the end of a round's window; and no checkpoint inside a close.
  await sql.query(
    `VACUUM (ANALYZE) ballots, responses, answers, round_invitations, rounds, pgboss.job`,
  );

  const alone = await ballotPhasesAlone(sql, rounds[2].id);

  // ---- the closes: a warm-up (JIT of the close path), then sealed and old, per size
  const profileFile = process.env.BENCH_PROFILE_DIR
    ? path.resolve(process.env.BENCH_PROFILE_DIR, `pulse-close-${Date.now()}.cpuprofile`)
    : undefined;
  const sealed: CloseResult[] = [];
  const old: { label: string; responses: number; ms: number; steps: Phase[]; load: string }[] = [];
  await sql.query('CHECKPOINT');
  sealed.push(await closeThroughApi(app, rounds[0]));
  for (const round of rounds.slice(1)) {
    await sql.query('CHECKPOINT');
    sealed.push(
      await closeThroughApi(app, round, round.label === '10,000' ? profileFile : undefined),
    );
    await sql.query('CHECKPOINT');
    const load = machineNow();
    old.push({
      label: round.label,
      responses: round.people.length,
      load,
      ...(await oldClose(sql, round.twinId!)),
    });
  }
  if (profileFile) console.log(`  CPU profile of the app over the 10,000 close: ${profileFile}`);

  // ---- correctness
  const checks: string[] = [];
  let correct = true;
  const check = (ok: boolean, what: string) => {
    correct &&= ok;
    checks.push(`${ok ? 'ok   ' : 'WRONG'} ${what}`);
  };
  const tinyIds = TINY.map((_, t) => teamIds[BIG.length + t]);
  for (const round of rounds) {
    const [row] = (
      await sql.query<{
        status: string;
        keyed: boolean;
        invalid: number;
        responded: number;
        invited: number;
        ballots: number;
        responses: number;
        answers: number;
        sizes: number;
        tiny: number;
        merged: string[] | null;
      }>(
        `SELECT r.status, r.ballot_key IS NOT NULL AS keyed, r.invalid_ballots AS invalid,
                r.responded, r.invited,
                (SELECT count(*)::int FROM ballots b WHERE b.round_id = r.id) AS ballots,
                (SELECT count(*)::int FROM responses x WHERE x.round_id = r.id) AS responses,
                (SELECT count(*)::int FROM answers a WHERE a.round_id = r.id) AS answers,
                (SELECT coalesce(sum(respondents), 0)::int FROM round_group_sizes g WHERE g.round_id = r.id) AS sizes,
                (SELECT count(*)::int FROM responses x WHERE x.round_id = r.id AND x.team_id = ANY($2::uuid[])) AS tiny,
                (SELECT array_agg(coalesce(m.team_id::text, 'none') ORDER BY m.team_id) FROM round_merged_teams m WHERE m.round_id = r.id) AS merged
           FROM rounds r WHERE r.id = $1`,
        [round.id, tinyIds],
      )
    ).rows;
    const n = round.people.length;
    const comments = round.people.filter((i) => answerOf(i, round.r).comment).length;
    const hasTiny = round.people.some((i) => layout[i] >= BIG.length);
    const expectedMerged = hasTiny ? [...tinyIds].sort() : [];
    check(
      row.status === 'closed' && !row.keyed && row.ballots === 0 && row.invalid === 0,
      `${round.label}: closed, ballot_key null, 0 ballots left (${row.ballots}), 0 invalid (${row.invalid})`,
    );
    check(
      row.responses === n && row.responded === n && row.invited === n && row.sizes === n,
      `${round.label}: ${row.responses} responses, participation ${row.responded} of ${row.invited}, group sizes sum ${row.sizes} (expected ${n})`,
    );
    check(
      row.answers === 2 * n + comments,
      `${round.label}: ${row.answers} answer rows (expected ${2 * n + comments}, ${comments} comments)`,
    );
    check(
      row.tiny === 0 && JSON.stringify(row.merged ?? []) === JSON.stringify(expectedMerged),
      `${round.label}: teams merged at close ${row.merged?.length ?? 0} (expected ${expectedMerged.length}), responses left with a tiny team ${row.tiny}`,
    );
    // Tallies per published group, question and value = what was sent (tiny teams merged).
    const expected = new Map<string, number>();
    for (const i of round.people) {
      const t = layout[i];
      const group = t < 0 ? 'none' : t >= BIG.length ? MERGED_TEAM_ID : teamIds[t];
      const a = answerOf(i, round.r);
      for (const key of [
        `workload ${a.workload}`,
        `enps ${a.enps}`,
        ...(a.comment ? ['comment answered'] : []),
      ]) {
        expected.set(`${group} ${key}`, (expected.get(`${group} ${key}`) ?? 0) + 1);
      }
    }
    const tallied = (
      await sql.query<{ key: string; n: number }>(
        `SELECT coalesce(team_id::text, 'none') || ' ' || question_id || ' ' || value AS key, n
           FROM round_tallies WHERE round_id = $1`,
        [round.id],
      )
    ).rows;
    const same =
      tallied.length === expected.size && tallied.every((t) => expected.get(t.key) === t.n);
    check(same, `${round.label}: ${tallied.length} tally rows equal the answers sent, per group`);
    if (round.twinId) {
      const [twin] = (
        await sql.query<{ status: string; responses: number; total: number }>(
          `SELECT r.status, (SELECT count(*)::int FROM responses x WHERE x.round_id = r.id) AS responses,
                  (SELECT sum(n)::int FROM round_tallies t WHERE t.round_id = r.id) AS total
             FROM rounds r WHERE r.id = $1`,
          [round.twinId],
        )
      ).rows;
      check(
        twin.status === 'closed' && twin.responses === n && twin.total === 2 * n + comments,
        `${round.label} plaintext twin (old close): ${twin.responses} responses, ${twin.total} tallied answers`,
      );
    }
  }

  // ---- report
  const mb = (b: number) => fmt(b / 1024 / 1024, 0);
  console.log('\nclosing a round (POST /api/rounds/:id/close, end to end over HTTP)');
  console.log(
    table(
      [
        'close',
        'responses',
        'total ms',
        'transaction ms',
        'app CPU ms',
        'app SQL',
        'app RSS MB (max)',
        'load avg',
      ],
      [
        ...sealed.map((c) => [
          `sealed ${c.label}`,
          c.responses,
          fmt(c.ms, 0),
          fmt(c.txMs, 0),
          fmt(c.appCpuMs, 0),
          c.statements,
          `${mb(c.rssBefore)} → ${mb(c.rssMax)}`,
          c.load,
        ]),
        ...old.map((c) => [
          `old plaintext ${c.label} (SQL replay)`,
          c.responses,
          fmt(c.ms, 0),
          fmt(c.ms, 0),
          '-',
          c.steps.length,
          '-',
          c.load,
        ]),
      ],
    ),
  );
  console.log(
    '  old plaintext: the closing transaction of ed54ff7 replayed statement for statement by this\n' +
      '  process on a plaintext twin (no HTTP, no app: a lower bound of that close by a few ms).\n' +
      `  Quoted reference for today's close: ${ISSUE_REFERENCE}.`,
  );

  const measured = sealed.slice(1);
  console.log(
    '\nwhere a sealed close goes, ms (statement trace of the app; "(app)" = between statements)',
  );
  const names = measured[0]?.phases.map((p) => p.name) ?? [];
  console.log(
    table(
      ['phase', ...measured.map((c) => c.label), ...measured.map((c) => `% of ${c.label}`)],
      names.map((name) => [
        name,
        ...measured.map((c) => fmt(c.phases.find((p) => p.name === name)?.ms ?? NaN, 0)),
        ...measured.map((c) =>
          fmt((100 * (c.phases.find((p) => p.name === name)?.ms ?? NaN)) / c.ms, 0),
        ),
      ]),
    ),
  );
  console.log(
    '\nthe first steps alone, 10,000 ballots, in the bench process before the close (better of 2), ms',
  );
  console.log(
    table(
      ['step', 'ms'],
      alone.map((p) => [p.name, fmt(p.ms, 0)]),
    ),
  );
  console.log('\nwhere the old close went, ms (SQL replay)');
  const oldNames = old[0]?.steps.map((s) => s.name) ?? [];
  console.log(
    table(
      ['step', ...old.map((c) => c.label)],
      oldNames.map((name) => [
        name,
        ...old.map((c) => fmt(c.steps.find((s) => s.name === name)?.ms ?? NaN, 0)),
      ]),
    ),
  );

  const big = sealed.find((c) => c.label === '10,000')!;
  const small = sealed.find((c) => c.label === '6,500')!;
  const oldBig = old.find((c) => c.label === '10,000')!;
  const oldSmall = old.find((c) => c.label === '6,500')!;
  console.log('\ntarget');
  console.log(
    `  close of 10,000 sealed responses: ${fmt(big.ms / 1000, 2)} s  target ≤ ${TARGET_MS / 1000} s  ` +
      verdict(big.ms <= TARGET_MS),
  );
  console.log(
    `  beside: sealed 6,500 ${fmt(small.ms / 1000, 2)} s; old plaintext close 6,500 ${fmt(oldSmall.ms / 1000, 2)} s, ` +
      `10,000 ${fmt(oldBig.ms / 1000, 2)} s (${fmt(big.ms / oldBig.ms, 1)}× at 10,000); ${ISSUE_REFERENCE}`,
  );
  // This machine is shared: absolute times move 3–4× with the load, the ratio to the old close
  // of the same run much less. Scaled to the issue's 0.5 s for the old close of 6,500, as an
  // estimate of the machine as it was then.
  const scaled = (big.ms / oldSmall.ms) * 500;
  console.log(
    `  sealed 10,000 ÷ old 6,500 in this run: ${fmt(big.ms / oldSmall.ms, 1)}×, i.e. ` +
      `~${fmt(scaled / 1000, 1)} s where the old close of 6,500 takes the issue's 0.5 s ` +
      `(estimate)  ${verdict(scaled <= TARGET_MS)}`,
  );
  console.log('\ncorrectness');
  for (const line of checks) console.log(`  ${line}`);
  console.log(`  ${correct ? 'OK' : 'WRONG'}`);
  console.log(`\ntotal run time ${fmt((Date.now() - started) / 1000)} s`);
  if (!correct) throw new Error('correctness check failed');
}

runBenchmark(main);
