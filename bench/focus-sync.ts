/**
 * bench/focus-sync — focus-time status sync at Slack's rate limits: 5,000 focus blocks starting
 * at the same instant, synced by TWO app replicas (child processes, one database), against the
 * Slack stand-in enforcing a per-method, per-workspace limit; then a small wave under the limit.
 *
 * Saturated phase (5,000 blocks): calls of users.profile.get, users.profile.set and
 * dnd.setSnooze per full minute of the saturation as a ratio of the allowed rate (target
 * ≥ 0.95; see bench/README.md for why full minutes), lost blocks (status or
 * snooze never applied: target 0), duplicated calls (more than one successful call of a method
 * per agent token per block: target 0), 429s received and rate-limit violations (calls made
 * before a Retry-After had passed).
 * Under-the-limit phase (200 blocks): p50/p95 from block start to users.profile.set at Slack
 * (target p95 ≤ 2 s).
 *
 * The app is told the limits with SLACK_METHOD_RATES; the stand-in enforces the same numbers.
 *
 * Unknown-limit passes (BENCH_UNKNOWN_BLOCKS each, default 2000): the stand-in enforces a limit
 * the app is not told of — a token bucket per method at 2× and at 0.4× the configured rate,
 * with a burst of 5 % of a minute — and the app learns it from its 429s. Each starts from a
 * pacer that has learnt nothing (the bench clears what the previous pass taught it). Printed:
 * the achieved rate against the stand-in's real rate (target ≥ 0.9×), 429s as a share of calls
 * (≤ 2 %), calls inside a Retry-After window (0: a call that reached Slack within 100 ms of the
 * 429, sent before the app could have read it, is counted apart as "in flight"), lost (0) and
 * duplicated (0).
 *
 *   npm run bench:focus-sync
 *   env: BENCH_DATABASE_URL (admin URL of the server, default postgres://postgres@127.0.0.1:5432/postgres)
 *        BENCH_BLOCKS (saturated phase, default 5000), BENCH_UNDER_BLOCKS (default 200),
 *        BENCH_RATE (calls per minute per method, default 3000),
 *        BENCH_REPLICAS (default 2), BENCH_CONCURRENCY (concurrent /focus commands, default 16),
 *        BENCH_LEAD_SECONDS (least time between the first /focus and the blocks' start, default 120),
 *        BENCH_STALL_SECONDS (give up after this long without progress, default 120),
 *        BENCH_CALLS_FILE (write each phase's Slack call log there, JSON, for re-analysis),
 *        BENCH_PROFILE_DIR (a V8 CPU profile of each replica over each phase there),
 *        BENCH_LOG_LEVEL (the app's LOG_LEVEL, default silent)
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { migrate } from '../src/database/database';
import { SlackStandIn } from '../test/support/slack-stand-in';
import {
  Call,
  methodFigures,
  MethodFigures,
  startToCall,
  succeeded,
  timeline,
} from './support/focus-analysis';
import { type Probe, startProbe } from './support/focus-probe';
import {
  Agent,
  connectAgents,
  focusText,
  nextMinute,
  sendFocusCommands,
  seedAgents,
} from './support/focus-world';
import {
  AppProcess,
  createBenchDatabase,
  fmt,
  json,
  keepAliveAgent,
  machineLine,
  onCleanup,
  percentile,
  poolTotal,
  queryDelta,
  type QueryCounts,
  runBenchmark,
  serverVersion,
  startAppProcess,
  table,
  verdict,
} from './support/harness';

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 5000);
const UNDER_BLOCKS = Number(process.env.BENCH_UNDER_BLOCKS ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 3000);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const LEAD_MS = Number(process.env.BENCH_LEAD_SECONDS ?? 120) * 1000;
const STALL_MS = Number(process.env.BENCH_STALL_SECONDS ?? 120) * 1000;
const CALLS_FILE = process.env.BENCH_CALLS_FILE;
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const BLOCK_MINUTES = 120;
const UNKNOWN_BLOCKS = Number(process.env.BENCH_UNKNOWN_BLOCKS ?? 2000);
/** The stand-in's real limit in the unknown-limit passes, as a multiple of the configured rate. */
const UNKNOWN_FACTORS = [2, 0.4];
const UNKNOWN_BURST_SHARE = 0.05;
const TARGET_UNKNOWN_RATIO = 0.9;
const TARGET_429_SHARE = 0.02;

const SLACK_TEAM = 'T0FOCUS001';
const SIGNING_SECRET = `bench-signing-${randomBytes(12).toString('hex')}`;
const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;
const ENCRYPTION_KEY = randomBytes(32);

/** What a block's start does at Slack, in order; each is paced by the app and limited here. */
const START_METHODS = ['users.profile.get', 'users.profile.set', 'dnd.setSnooze'] as const;
/** Paced by the app too (block ends); limited alike, though no block ends during the run. */
const LIMITED_METHODS = [...START_METHODS, 'dnd.endSnooze'] as const;

const TARGET_RATIO = 0.95;
const TARGET_P95_MS = 2000;

interface PhaseResult {
  label: string;
  /** The stand-in's limit per method per minute. */
  rate: number;
  /** 429s of calls already on their way when an earlier 429 was answered (not violations). */
  inFlight: number;
  blocks: number;
  start: Date;
  commands: Awaited<ReturnType<typeof sendFocusCommands>>;
  figures: MethodFigures[];
  /** Blocks whose agent does not have the focus status and a snooze at Slack at the end. */
  lost: { slackUserId: string; why: string }[];
  /** Blocks the app's database does not show as snoozed. */
  notSnoozedInDb: number;
  latencies: Record<string, number[]>;
  calls: Call[];
  jobStates: Record<string, number>;
  waitedSeconds: number;
  /** Statements both replicas sent from the blocks' start to the end of the phase. */
  statements: QueryCounts;
  /** focus.start jobs per block, ascending (1 = never deferred). */
  jobsPerBlock: number[];
  /** ms from the block's start until a replica first picked up its focus.start job, ascending. */
  pickup: number[];
  /** CPU and what the bench database's backends did, from the start to the last snooze. */
  probe: ReturnType<Probe['summary']>;
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`bench/focus-sync — ${new Date().toISOString()}`);
  console.log(`  ${machineLine()}, Postgres ${await serverVersion()}`);
  console.log(
    `  ${BLOCKS} blocks at once (saturated), then ${UNDER_BLOCKS} (under the limit); ` +
      `${REPLICAS} app replicas; Slack limit ${RATE}/min per method per workspace`,
  );

  const db = await createBenchDatabase();
  await migrate(db.url);
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  onCleanup(() => sql.end());

  const slack = await SlackStandIn.start();
  onCleanup(() => slack.stop());
  slack.addTeam({ id: SLACK_TEAM, name: 'Bench Focus' });
  const unknownCount = UNKNOWN_BLOCKS * UNKNOWN_FACTORS.length;
  const agents = seedAgents(slack, SLACK_TEAM, BLOCKS + UNDER_BLOCKS + unknownCount);
  const saturatedAgents = agents.slice(0, BLOCKS);
  const underAgents = agents.slice(BLOCKS, BLOCKS + UNDER_BLOCKS);
  const unknownAgents = agents.slice(BLOCKS + UNDER_BLOCKS);

  const rates = LIMITED_METHODS.map((m) => `${m}=${RATE}`).join(',');
  const env = {
    DATABASE_URL: db.url,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    ENCRYPTION_KEY: ENCRYPTION_KEY.toString('base64'),
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: slack.issueBotToken(SLACK_TEAM),
    SLACK_API_URL: slack.apiUrl,
    SLACK_OAUTH_AUTHORIZE_URL: slack.authorizeUrl,
    SLACK_METHOD_RATES: rates,
  };
  // Started together, as replicas behind a load balancer would be.
  const apps = await Promise.all(Array.from({ length: REPLICAS }, () => startAppProcess(env)));
  for (const app of apps) console.log(`  app replica pid ${app.pid} at ${app.url}`);
  console.log(`  database ${db.name}; SLACK_METHOD_RATES=${rates}`);

  // ---- seed: people from users.list, every agent connected
  const t0 = performance.now();
  // Single-workspace mode queues a people.sync at boot; a POST /api/people/sync running at the
  // same time fails on a duplicate person (two syncs inserting the same people), so wait for it.
  await waitForBootSync(sql);
  const http = keepAliveAgent(2);
  const synced = await json(http, apps[0].url, {
    method: 'POST',
    path: '/api/people/sync',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  http.destroy();
  const connected = await connectAgents(sql, ENCRYPTION_KEY, agents);
  console.log(
    `  seeded in ${fmt((performance.now() - t0) / 1000)} s: ${JSON.stringify(synced)}, ` +
      `${connected} agents connected`,
  );
  if (connected !== agents.length) throw new Error(`connected ${connected} of ${agents.length}`);
  for (const m of LIMITED_METHODS) slack.setRateLimit(m, { perMinute: RATE });

  const probeSql = new Client({ connectionString: db.url, application_name: 'bench-probe' });
  await probeSql.connect();
  const probe = startProbe({ sql: probeSql, database: db.name, appPids: apps.map((a) => a.pid) });
  onCleanup(async () => {
    await probe.stop();
    await probeSql.end();
  });
  const logs: Record<string, Call[]> = {};
  const phase = async (label: string, phaseAgents: Agent[], leadMs: number, rate = RATE) => {
    const result = await runPhase({ label, phaseAgents, leadMs, slack, sql, apps, probe, rate });
    report(result);
    logs[label] = result.calls;
    if (CALLS_FILE) writeFileSync(CALLS_FILE, JSON.stringify({ rate: RATE, phases: logs }));
    return result;
  };
  // BENCH_BLOCKS=0 runs the under-the-limit phase alone.
  const saturated = BLOCKS > 0 ? await phase('saturated', saturatedAgents, LEAD_MS) : undefined;
  // The under-the-limit wave starts once every limit window of the first phase has passed.
  const lastCall = Math.max(0, ...(saturated?.calls.map((c) => c.at) ?? []));
  const underLead = Math.max(20_000, lastCall + 65_000 - Date.now());
  const under = await phase('under the limit', underAgents, underLead);

  // ---- limits the app is not told of
  const unknown: { factor: number; result: PhaseResult }[] = [];
  let previous = under;
  for (const [i, factor] of UNKNOWN_FACTORS.entries()) {
    if (UNKNOWN_BLOCKS === 0) break;
    const real = Math.round(RATE * factor);
    const burst = Math.max(5, Math.round(real * UNKNOWN_BURST_SHARE));
    await forgetLearntPace(sql);
    slack.clearRateLimits();
    for (const m of LIMITED_METHODS) slack.setHiddenLimit(m, { perMinute: real, burst });
    slack.setInFlightAllowance(100);
    // Once the app's own window of the previous pass has passed (calm: the tier's wave again).
    const lastPrevious = Math.max(0, ...previous.calls.map((c) => c.at));
    // The lead also covers sending the pass's commands (as for the saturated pass).
    const lead = Math.max(
      Math.min(LEAD_MS, 60_000 + UNKNOWN_BLOCKS * 40),
      lastPrevious + 65_000 - Date.now(),
    );
    const label = `unknown limit ${factor}× (${real}/min, burst ${burst})`;
    const slice = unknownAgents.slice(i * UNKNOWN_BLOCKS, (i + 1) * UNKNOWN_BLOCKS);
    const result = await phase(label, slice, lead, real);
    unknown.push({ factor, result });
    previous = result;
  }

  // ---- verdicts
  console.log('\nverdicts');
  for (const f of saturated?.figures ?? []) {
    console.log(
      `  saturated ${f.method.padEnd(18)} ${fmt(f.fullWindowRatio * f.perMinute, 0)} calls per full minute ` +
        `of ${f.perMinute}: ${fmt(f.fullWindowRatio, 3)}× (${f.fullWindows} full); rest ` +
        `${f.restCalls} in ${fmt(f.restSeconds)} s; busiest 60 s ${f.busiestMinute}  ` +
        `target ≥ ${TARGET_RATIO}×  ${verdict(f.fullWindowRatio >= TARGET_RATIO)}`,
    );
  }
  for (const p of saturated ? [saturated, under] : [under]) {
    const dups = p.figures.reduce((s, f) => s + f.duplicatedCalls, 0);
    const limited = p.figures.reduce((s, f) => s + f.rateLimited, 0);
    const violations = p.figures.reduce((s, f) => s + f.violations, 0);
    console.log(
      `  ${p.label}: lost blocks ${p.lost.length} (target 0) ${verdict(p.lost.length === 0)}; ` +
        `duplicated calls ${dups} (target 0) ${verdict(dups === 0)}; ` +
        `429s ${limited}; violations ${violations} ${verdict(violations === 0)}`,
    );
  }
  const set = under.latencies['users.profile.set'];
  const p95 = percentile(set, 95);
  console.log(
    `  under the limit: block start → users.profile.set p50 ${fmt(percentile(set, 50) / 1000, 2)} s, ` +
      `p95 ${fmt(p95 / 1000, 2)} s  target ≤ ${TARGET_P95_MS / 1000} s  ` +
      `${verdict(set.length === UNDER_BLOCKS && p95 <= TARGET_P95_MS)}`,
  );
  for (const { factor, result } of unknown) reportUnknown(factor, result);
  console.log(`\ntotal run time ${fmt((Date.now() - started) / 1000)} s`);
}

async function runPhase(options: {
  label: string;
  phaseAgents: Agent[];
  leadMs: number;
  slack: SlackStandIn;
  sql: Client;
  apps: AppProcess[];
  probe: Probe;
  /** The stand-in's limit per method per minute in this phase. */
  rate: number;
}): Promise<PhaseResult> {
  const { label, phaseAgents, slack, sql, apps, rate } = options;
  const n = phaseAgents.length;
  // Every command is sent (and every block created) before the start; the lead covers sending.
  const start = nextMinute(Date.now(), options.leadMs);
  const note = `bench ${label}`;
  const text = focusText(start, BLOCK_MINUTES, new Date(), note);
  console.log(`\n== ${label}: ${n} × "/focus ${text}" (start ${start.toISOString()})`);
  const commands = await sendFocusCommands({
    appUrls: apps.map((a) => a.url),
    signingSecret: SIGNING_SECRET,
    teamId: SLACK_TEAM,
    agents: phaseAgents,
    text,
    concurrency: CONCURRENCY,
  });
  console.log(
    `  /focus commands: ${commands.sent} in ${fmt(commands.seconds)} s (${fmt(commands.rps, 0)}/s, ` +
      `p50 ${fmt(commands.p50, 0)} ms, p95 ${fmt(commands.p95, 0)} ms), ${commands.errors} errors` +
      (commands.firstError ? `; first: ${commands.firstError}` : ''),
  );
  const { rows: blockRows } = await sql.query<{ n: number; starts: Date[] }>(
    `SELECT count(*)::int AS n, array_agg(DISTINCT starts_at) AS starts
       FROM focus_blocks WHERE note = $1`,
    [note],
  );
  if (blockRows[0].n !== n) throw new Error(`${blockRows[0].n} blocks created, wanted ${n}`);
  if (Date.now() >= start.getTime()) {
    throw new Error(
      `sending the commands ran past the blocks' start (${start.toISOString()}); raise BENCH_LEAD_SECONDS`,
    );
  }
  console.log(
    `  ${n} blocks created, all starting ${blockRows[0].starts.map((d) => d.toISOString()).join(', ')}; ` +
      `waiting ${fmt((start.getTime() - Date.now()) / 1000)} s for the start`,
  );

  const countsBefore = await Promise.all(apps.map((a) => a.queryCounts()));

  // ---- wait for the start, then until every block is snoozed (or progress stalls)
  const tokens = new Set(phaseAgents.map((a) => a.token));
  const mine = (c: Call) => c.token !== undefined && tokens.has(c.token);
  await sleep(start.getTime() - Date.now() - 1000);
  const profiles = PROFILE_DIR
    ? apps.map((a, i) => {
        const file = path.resolve(
          PROFILE_DIR,
          `focus-sync-${label.replace(/\W+/g, '-')}-replica${i + 1}-${Date.now()}.cpuprofile`,
        );
        return { file, stop: a.profile(file) };
      })
    : [];
  await sleep(start.getTime() - Date.now());
  let lastProgress = Date.now();
  let done = 0;
  let lastPrint = 0;
  for (;;) {
    await sleep(1000);
    const snoozes = slack.calls('dnd.setSnooze').filter((c) => mine(c) && succeeded(c));
    const snoozed = new Set(snoozes.map((c) => c.token)).size;
    if (snoozed > done) {
      done = snoozed;
      lastProgress = Date.now();
    }
    const elapsed = Date.now() - start.getTime();
    if (elapsed - lastPrint >= 15_000 || snoozed === n) {
      lastPrint = elapsed;
      const counts = START_METHODS.map(
        (m) => slack.calls(m).filter((c) => mine(c) && succeeded(c)).length,
      );
      const limited = slack.calls().filter((c) => mine(c) && c.status === 429).length;
      console.log(
        `  t+${fmt(elapsed / 1000, 0)} s: ${START_METHODS.map((m, i) => `${m} ${counts[i]}`).join(', ')}; 429s ${limited}`,
      );
    }
    if (snoozed === n) break;
    if (Date.now() - lastProgress > STALL_MS) {
      console.log(`  no progress for ${STALL_MS / 1000} s: stopping the wait`);
      break;
    }
  }
  const waitedSeconds = (Date.now() - start.getTime()) / 1000;
  const probed = options.probe.summary(start.getTime(), Date.now());
  for (const p of profiles) {
    await p.stop();
    console.log(`  CPU profile of a replica over the phase: ${p.file}`);
  }
  // Late duplicates (a retry that repeats a step) would land shortly after: give them time.
  await sleep(10_000);

  // ---- measure
  const statements: QueryCounts = {};
  const countsAfter = await Promise.all(apps.map((a) => a.queryCounts()));
  countsAfter.forEach((after, i) => {
    for (const [key, k] of Object.entries(queryDelta(countsBefore[i], after))) {
      statements[key] = (statements[key] ?? 0) + k;
    }
  });
  const calls: Call[] = slack.calls().filter(mine);
  const violations = slack.rateLimitViolations().filter(mine);
  const inFlight = slack.refusedWhileInFlight().filter(mine).length;
  const figures = START_METHODS.map((m) => methodFigures(m, rate, calls, violations));
  const startByToken = new Map(phaseAgents.map((a) => [a.token, start.getTime()]));
  const latencies = Object.fromEntries(
    START_METHODS.map((m) => [m, startToCall(m, calls, startByToken)]),
  );
  const { rows: dbRows } = await sql.query<{ slack_user_id: string; snoozed: boolean | null }>(
    `SELECT p.slack_user_id, (b.applied_status->>'snoozed')::boolean AS snoozed
       FROM focus_blocks b JOIN people p ON p.id = b.person_id WHERE b.note = $1`,
    [note],
  );
  const notSnoozedInDb = dbRows.filter((r) => r.snoozed !== true).length;
  const lost: PhaseResult['lost'] = [];
  for (const a of phaseAgents) {
    const u = slack.user(a.slackUserId)!;
    const why: string[] = [];
    if (!u.profile.status_text.includes(note)) why.push('status not set');
    if (u.dnd.snoozeEndtime === null) why.push('not snoozed');
    if (why.length) lost.push({ slackUserId: a.slackUserId, why: why.join(', ') });
  }
  const { rows: jobRows } = await sql.query<{ name: string; state: string; n: number }>(
    `SELECT name, state, count(*)::int AS n FROM pgboss.job
      WHERE name = 'focus.start' AND data->>'blockId' IN (SELECT id::text FROM focus_blocks WHERE note = $1)
      GROUP BY 1, 2`,
    [note],
  );
  const jobStates = Object.fromEntries(jobRows.map((r) => [r.state, r.n]));
  // Per block: how many focus.start jobs it took (a deferral re-queues one) and when the first
  // one was picked up by a replica, from pg-boss's own bookkeeping.
  const { rows: pickupRows } = await sql.query<{ jobs: number; pickup_ms: number | null }>(
    `SELECT count(*)::int AS jobs,
            extract(epoch FROM min(j.started_on) - b.starts_at) * 1000 AS pickup_ms
       FROM focus_blocks b
       JOIN (SELECT data, started_on FROM pgboss.job WHERE name = 'focus.start'
             UNION ALL SELECT data, started_on FROM pgboss.archive WHERE name = 'focus.start') j
         ON j.data->>'blockId' = b.id::text
      WHERE b.note = $1
      GROUP BY b.id, b.starts_at`,
    [note],
  );
  const jobsPerBlock = pickupRows.map((r) => r.jobs).sort((a, b) => a - b);
  const pickup = pickupRows
    .map((r) => Number(r.pickup_ms))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return {
    label,
    rate,
    inFlight,
    blocks: n,
    start,
    commands,
    figures,
    lost,
    notSnoozedInDb,
    latencies,
    calls,
    jobStates,
    waitedSeconds,
    statements,
    jobsPerBlock,
    pickup,
    probe: probed,
  };
}

function report(p: PhaseResult): void {
  console.log(`\n${p.label}: calls at Slack (allowed ${p.rate}/min per method)`);
  console.log(
    table(
      [
        'method',
        'calls',
        'ok',
        'agents',
        'dup agents',
        'dup calls',
        '429s',
        'violations',
        'other errors',
        'per 60 s from the 1st',
        '1st made in s',
        'full-minute ratio',
        'rest: calls in s (/min)',
        'span s (least)',
        'busiest 60 s',
      ],
      p.figures.map((f) => [
        f.method,
        f.calls,
        f.successes,
        f.tokens,
        f.duplicatedTokens,
        f.duplicatedCalls,
        f.rateLimited,
        f.violations,
        f.otherErrors,
        f.perWindow.join(' | '),
        fmt(f.firstWindowSeconds),
        fmt(f.fullWindowRatio, 3),
        `${f.restCalls} in ${fmt(f.restSeconds)} (${fmt(f.restPerMinute, 0)})`,
        `${fmt((f.last - f.first) / 1000)} (${f.minimumSpanSeconds})`,
        f.busiestMinute,
      ]),
    ),
  );
  for (const f of p.figures) {
    if (f.firstErrors.length) console.log(`  ${f.method} errors: ${f.firstErrors.join('; ')}`);
  }
  console.log(
    `  per 60 s = ok calls in consecutive minutes from the first; 1st made in = first call → last\n` +
      `  call of the first minute (< 60 s: the minute's allowance was used up early); full-minute\n` +
      `  ratio = ok calls per minute that ended before the last call (work queued throughout) ÷\n` +
      `  allowed; rest = the calls after those minutes and their pace; span (least) = first → last\n` +
      `  ok call (the least Slack's limit allows for as many calls); busiest 60 s = most ok calls in\n` +
      `  any 60-s window (what Slack's limit counts)`,
  );
  console.log(`\n${p.label}: from the blocks' start (${p.start.toISOString()}) to the call, s`);
  console.log(
    table(
      ['method', 'agents', 'first', 'p50', 'p95', 'p99', 'last'],
      START_METHODS.map((m) => {
        const l = p.latencies[m];
        return [
          m,
          l.length,
          fmt(l[0] / 1000, 2),
          fmt(percentile(l, 50) / 1000, 2),
          fmt(percentile(l, 95) / 1000, 2),
          fmt(percentile(l, 99) / 1000, 2),
          fmt(l[l.length - 1] / 1000, 2),
        ];
      }),
    ),
  );
  const bucket = p.blocks > 1000 ? 10_000 : 1_000;
  const rows = timeline(START_METHODS, p.calls, p.start.getTime(), bucket);
  console.log(`\n${p.label}: timeline, ok calls (429s) per ${bucket / 1000} s`);
  console.log(
    table(
      ['from start', ...START_METHODS],
      rows.map((r) => [
        `+${fmt((r.at - p.start.getTime()) / 1000, 0)} s`,
        ...r.ok.map((ok, i) => (r.limited[i] ? `${ok} (${r.limited[i]})` : String(ok))),
      ]),
    ),
  );
  console.log(
    `\n${p.label}: ${p.lost.length} lost blocks at Slack` +
      (p.lost.length ? ` (e.g. ${p.lost[0].slackUserId}: ${p.lost[0].why})` : '') +
      `; ${p.notSnoozedInDb} not snoozed in the app's database; focus.start jobs ${JSON.stringify(p.jobStates)}; ` +
      `waited ${fmt(p.waitedSeconds)} s after the start`,
  );
  const deferred = p.jobsPerBlock.filter((j) => j > 1).length;
  console.log(
    `  focus.start jobs per block: median ${percentile(p.jobsPerBlock, 50)}, max ${p.jobsPerBlock[p.jobsPerBlock.length - 1]}, ` +
      `${deferred} blocks re-queued at least once; first pick-up after the start p50 ` +
      `${fmt(percentile(p.pickup, 50) / 1000, 2)} s, p95 ${fmt(percentile(p.pickup, 95) / 1000, 2)} s, ` +
      `max ${fmt(p.pickup[p.pickup.length - 1] / 1000, 2)} s`,
  );
  reportStatements(p);
  reportProbe(p);
}

function reportProbe(p: PhaseResult): void {
  if (!p.probe.cpu.length) return;
  console.log(`\n${p.label}: CPU from the start to the last snooze (% of one core)`);
  console.log(table(['process', 'CPU'], p.probe.cpu));
  console.log(
    `\n${p.label}: the bench database's connections by what they were doing (mean over samples every 0.25 s)`,
  );
  console.log(table(['pool · state', 'connections'], p.probe.activity.slice(0, 12)));
}

function reportStatements(p: PhaseResult): void {
  const app = poolTotal(p.statements, 'pulsedesk');
  const jobs = poolTotal(p.statements, 'pulsedesk-jobs');
  console.log(
    `\n${p.label}: database statements of both replicas from the start to the end of the phase: ` +
      `${fmt(app / p.blocks, 1)} per block on the app pool, ${fmt(jobs / p.blocks, 1)} per block on ` +
      `the job queue's (includes its polling)`,
  );
  console.log(
    table(
      ['pool', 'statement', 'per block'],
      Object.entries(p.statements)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 14)
        .map(([key, k]) => [...key.split('\t'), fmt(k / p.blocks, 2)]),
    ),
  );
}

/**
 * One unknown-limit pass against its targets: per method the achieved rate over the span of its
 * calls (first to last) and over its full minutes, against the stand-in's real rate.
 */
function reportUnknown(factor: number, p: PhaseResult): void {
  const calls = p.figures.reduce((s, f) => s + f.calls, 0);
  const limited = p.figures.reduce((s, f) => s + f.rateLimited, 0);
  const violations = p.figures.reduce((s, f) => s + f.violations, 0);
  const dups = p.figures.reduce((s, f) => s + f.duplicatedCalls, 0);
  const ratios = p.figures.map((f) => {
    const spanMinutes = (f.last - f.first) / 60_000;
    return { f, span: spanMinutes > 0 ? f.successes / spanMinutes / f.perMinute : NaN };
  });
  const worst = Math.min(...ratios.map((r) => r.span));
  console.log(
    `  unknown limit ${factor}× (${p.rate}/min): achieved ` +
      ratios
        .map(
          (r) =>
            `${r.f.method} ${fmt(r.span, 3)}× over ${fmt((r.f.last - r.f.first) / 1000)} s` +
            (r.f.fullWindows
              ? ` (${fmt(r.f.fullWindowRatio, 3)}× in ${r.f.fullWindows} full min)`
              : ''),
        )
        .join(', ') +
      `  target ≥ ${TARGET_UNKNOWN_RATIO}× ${verdict(worst >= TARGET_UNKNOWN_RATIO)}`,
  );
  console.log(
    `    429s ${limited} of ${calls} calls = ${fmt((limited / calls) * 100, 2)} % (target ≤ ${TARGET_429_SHARE * 100} %) ` +
      `${verdict(limited / calls <= TARGET_429_SHARE)}; calls inside Retry-After ${violations} ` +
      `(target 0) ${verdict(violations === 0)} (+${p.inFlight} refused in flight); lost ${p.lost.length} ` +
      `(target 0) ${verdict(p.lost.length === 0)}; duplicated ${dups} (target 0) ${verdict(dups === 0)}`,
  );
}

/** The pacer of the bench's workspace as a fresh install's: nothing learnt, no pause. */
async function forgetLearntPace(sql: Client): Promise<void> {
  await sql.query(
    `UPDATE slack_pacing SET pace = NULL, bad = NULL, limited_at = NULL, pace_at = NULL,
            next_at = NULL, announced = NULL, set_pace = NULL`,
  );
  await sql.query(`DELETE FROM slack_pauses`);
}

/** Waits (up to 60 s) until no people.sync job is queued or running. */
async function waitForBootSync(sql: Client): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgboss.job
        WHERE name = 'people.sync' AND state IN ('created', 'retry', 'active')`,
    );
    if (rows[0].n === 0) return;
    await sleep(500);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

runBenchmark(main);
