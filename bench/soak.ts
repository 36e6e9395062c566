/**
 * bench/soak — mixed traffic at a fixed rate for a long time against the real app (child
 * process, Postgres server) and the Slack stand-in: does anything grow or slow down over time?
 *
 * Traffic (open loop: a request is sent every 1/rate s whether or not the previous ones
 * answered, so a slow app shows as latency, not as a lower rate):
 *   - pulse answers: signed `view_submission`s of the answer modal, each agent once;
 *   - `/focus 25m` (signed slash commands), from agents in turn;
 *   - API reads: people, surveys, the open round, focus now and summary, settings;
 *   - dashboard pages (overview, surveys, focus) with an HR session signed in through Slack.
 * Every 30 s (SOAK_SAMPLE_SECONDS) it samples the app's RSS, heap and event-loop delay (p99, max
 * since the previous sample) and the latency of the requests answered in that window.
 *
 * Checks: no request failed (non-2xx/3xx, an ack carrying errors, a connection error), every
 * acknowledged answer counted, and RSS levels off: the RSS slope over the second half of the
 * run is under 1 MB/min, or under half the first half's (the warm-up: caches, JIT, pools).
 *
 *   npm run bench:soak                      (10 minutes)
 *   SOAK_MINUTES=2 npm run bench:soak       (or: npm run bench:soak -- 2)
 *   env: SOAK_RATE (requests/s, default 10), SOAK_SAMPLE_SECONDS (default 30),
 *        BENCH_DATABASE_URL, BENCH_LOG_LEVEL (see bench/README.md)
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { Client } from 'pg';
import { slashCommandBody } from '../test/support/slack-signing';
import {
  AppResources,
  benchAdminToken,
  benchSubmissionBody,
  createSurvey,
  fmt,
  json,
  keepAliveAgent,
  percentile,
  printBanner,
  RequestSpec,
  runBenchmark,
  send,
  signedSlackRequest,
  startSlackBench,
  table,
  verdict,
} from './support/harness';

const MINUTES = Number(process.argv[2] ?? process.env.SOAK_MINUTES ?? 10);
const RATE = Number(process.env.SOAK_RATE ?? 10);
const SAMPLE_SECONDS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 30);
const SLACK_TEAM = 'T0SOAK0001';
const SIGNING_SECRET = `soak-signing-${randomBytes(12).toString('hex')}`;
const ADMIN_TOKEN = benchAdminToken();
const MB = 1024 * 1024;
/** RSS may still grow this much per minute in the second half and count as level. */
const LEVEL_MB_PER_MIN = 1;

/** The mix, in shares of the rate; one slot in 20 for each share point. */
const MIX: Array<{ kind: Kind; share: number }> = [
  { kind: 'answer', share: 5 },
  { kind: 'focus', share: 4 },
  { kind: 'read', share: 8 },
  { kind: 'page', share: 3 },
];
type Kind = 'answer' | 'focus' | 'read' | 'page';

const QUESTIONS = [
  { id: 'workload', kind: 'scale5', prompt: 'My workload this week was manageable' },
  { id: 'enps', kind: 'enps', prompt: 'How likely are you to recommend working here?' },
  { id: 'comment', kind: 'text', prompt: 'Anything else?' },
] as const;

interface Done {
  kind: Kind;
  at: number;
  ms: number;
  ok: boolean;
  detail?: string;
}

interface Sample extends AppResources {
  minute: number;
}

/** The calendar day `days` from today (UTC), as the summary's `from`/`to` take it. */
function isoDay(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return num / den;
}

async function main(): Promise<void> {
  await printBanner('bench/soak');
  const totalRequests = Math.round(MINUTES * 60 * RATE);
  const answerShare = MIX.find((m) => m.kind === 'answer')!.share / 20;
  const agents = Math.ceil(totalRequests * answerShare) + 50;
  console.log(
    `  ${MINUTES} min at ${RATE} req/s (${totalRequests} requests: ` +
      `${MIX.map((m) => `${m.kind} ${m.share * 5}%`).join(', ')}), ${agents} agents, ` +
      `samples every ${SAMPLE_SECONDS} s`,
  );

  const { sql, userIds, app } = await startSlackBench({
    team: { id: SLACK_TEAM, name: 'Soak Support' },
    agents,
    idPrefix: 'US',
    signingSecret: SIGNING_SECRET,
    adminToken: ADMIN_TOKEN,
  });

  // ---- seed through the API: people, an HR person, a survey and an open round for everyone
  const seedAgent = keepAliveAgent(4);
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  await json(seedAgent, app.url, { method: 'POST', path: '/api/people/sync', headers: admin });
  const hr = userIds[userIds.length - 1];
  await json(seedAgent, app.url, {
    method: 'PATCH',
    path: `/api/people/${hr}`,
    headers: admin,
    json: { role: 'hr' },
  });
  const surveyId = await createSurvey(seedAgent, app.url, admin, {
    title: 'Weekly pulse',
    questions: QUESTIONS,
  });
  const round = await json<{ id: string }>(
    seedAgent,
    app.url,
    { method: 'POST', path: `/api/surveys/${surveyId}/rounds`, headers: admin },
    201,
  );
  // The invitation DMs drain at Slack's pace for minutes; they are background load a soak
  // should carry, so they stay queued (unlike the ingest bench, which drops them).
  const cookie = await signInHr(seedAgent, app.url, hr);
  seedAgent.destroy();

  // ---- the traffic
  const agent = keepAliveAgent(64);
  const slots = MIX.flatMap((m) => Array<Kind>(m.share).fill(m.kind));
  let answered = 0;
  let focused = 0;
  let reads = 0;
  let pages = 0;
  const readPaths = [
    '/api/people',
    '/api/surveys',
    `/api/rounds/${round.id}`,
    '/api/focus/now',
    `/api/focus/summary?from=${isoDay(-28)}&to=${isoDay(0)}`,
    '/api/settings',
  ];
  const pagePaths = ['/', '/surveys', '/focus'];
  const requestFor = (kind: Kind): RequestSpec => {
    if (kind === 'answer') {
      const n = answered++;
      return signedSlackRequest(
        benchSubmissionBody(SLACK_TEAM, userIds[n % userIds.length], round.id, {
          workload: String(1 + (n % 5)),
          enps: String(n % 11),
          comment: n % 3 === 0 ? `Long queue on Tuesday (#${n})` : '',
        }),
        SIGNING_SECRET,
      );
    }
    if (kind === 'focus') {
      const n = focused++;
      return signedSlackRequest(
        slashCommandBody({
          command: '/focus',
          text: '25m soak',
          userId: userIds[n % userIds.length],
          teamId: SLACK_TEAM,
        }),
        SIGNING_SECRET,
      );
    }
    if (kind === 'read') {
      return { method: 'GET', path: readPaths[reads++ % readPaths.length], headers: admin };
    }
    return { method: 'GET', path: pagePaths[pages++ % pagePaths.length], headers: { cookie } };
  };
  const okFor = (kind: Kind, res: { status: number; body: string }) =>
    kind === 'page'
      ? res.status === 200
      : res.status >= 200 && res.status < 300 && !res.body.includes('"response_action"');

  const done: Done[] = [];
  const samples: Sample[] = [];
  const started = performance.now();
  const runMs = MINUTES * 60_000;
  const inFlight = new Set<Promise<void>>();
  const sampleEvery = async () => {
    const r = await app.resources();
    samples.push({ ...r, minute: (performance.now() - started) / 60_000 });
  };
  await app.resources(); // resets the event-loop histogram: the samples cover the run only
  const sampler = setInterval(() => void sampleEvery(), SAMPLE_SECONDS * 1000);
  let issued = 0;
  let lastReport = 0;
  while (performance.now() - started < runMs) {
    const due = started + (issued * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const kind = slots[issued % slots.length];
    const spec = requestFor(kind);
    issued++;
    const t0 = performance.now();
    const p = send(agent, app.url, spec).then(
      (res) => {
        const ok = okFor(kind, res);
        done.push({
          kind,
          at: t0 - started,
          ms: performance.now() - t0,
          ok,
          detail: ok ? undefined : `${res.status} ${res.body.slice(0, 200)}`,
        });
      },
      (err: Error) => {
        done.push({
          kind,
          at: t0 - started,
          ms: performance.now() - t0,
          ok: false,
          detail: err.message,
        });
      },
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    const minute = Math.floor((performance.now() - started) / 60_000);
    if (minute > lastReport) {
      lastReport = minute;
      const last = samples[samples.length - 1];
      console.log(
        `  ${minute} min: ${done.length} answered, ${done.filter((d) => !d.ok).length} errors, ` +
          `${inFlight.size} in flight${last ? `, RSS ${fmt(last.rss / MB)} MB` : ''}`,
      );
    }
  }
  await Promise.all(inFlight);
  clearInterval(sampler);
  await sampleEvery();
  agent.destroy();

  report(done, samples);
  const acknowledged = done.filter((d) => d.kind === 'answer' && d.ok).length;
  const counted = await checkAnswers(sql, round.id, answered, acknowledged);
  const failed = done.filter((d) => !d.ok);
  const level = levelsOff(samples);
  console.log(`\n  errors: ${failed.length} of ${done.length} — ${verdict(failed.length === 0)}`);
  for (const f of failed.slice(0, 5)) console.log(`    ${f.kind}: ${f.detail}`);
  console.log(
    `  RSS slope: first half ${fmt(level.first, 2)} MB/min, second half ${fmt(level.second, 2)} MB/min — ` +
      `levels off: ${verdict(level.pass)}`,
  );
  // runBenchmark exits 0 when main resolves: a miss must throw to fail the run.
  if (failed.length > 0 || !level.pass || !counted) throw new Error('soak: MISS (see above)');
}

/** `/pulse dashboard` as the HR person, then the link redeemed: the session cookie. */
async function signInHr(agent: http.Agent, base: string, userId: string): Promise<string> {
  const reply = await send(
    agent,
    base,
    signedSlackRequest(
      slashCommandBody({ command: '/pulse', text: 'dashboard', userId, teamId: SLACK_TEAM }),
      SIGNING_SECRET,
    ),
  );
  const token = /\/auth\/link\/([A-Za-z0-9_-]{20,})/.exec(reply.body)?.[1];
  if (!token) throw new Error(`no sign-in link in /pulse dashboard's reply: ${reply.body}`);
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const body = `token=${encodeURIComponent(token)}`;
    const req = http.request(new URL('/auth/link', base), {
      agent,
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': body.length,
      },
    });
    req.on('response', (r) => {
      r.resume();
      resolve(r);
    });
    req.on('error', reject);
    req.end(body);
  });
  const setCookie = res.headers['set-cookie']?.[0];
  if (res.statusCode !== 303 || !setCookie) throw new Error(`sign-in answered ${res.statusCode}`);
  return setCookie.split(';')[0];
}

function report(done: Done[], samples: Sample[]): void {
  const byKind = (kind?: Kind) => done.filter((d) => !kind || d.kind === kind);
  const row = (label: string, list: Done[]) => {
    const ms = list.map((d) => d.ms).sort((a, b) => a - b);
    return [
      label,
      list.length,
      list.filter((d) => !d.ok).length,
      fmt(percentile(ms, 50)),
      fmt(percentile(ms, 99)),
      fmt(ms[ms.length - 1] ?? NaN),
    ];
  };
  console.log('\n  latency (ms) by kind, whole run');
  console.log(
    table(
      ['kind', 'requests', 'errors', 'p50', 'p99', 'max'],
      [
        ...(['answer', 'focus', 'read', 'page'] as Kind[]).map((k) => row(k, byKind(k))),
        row('all', byKind()),
      ],
    ),
  );
  console.log('\n  over time (each row: the window since the previous sample)');
  let from = 0;
  const rows = samples.map((s) => {
    const to = s.minute * 60_000;
    const window = done.filter((d) => d.at >= from && d.at < to);
    from = to;
    const ms = window.map((d) => d.ms).sort((a, b) => a - b);
    return [
      fmt(s.minute, 1),
      window.length,
      window.filter((d) => !d.ok).length,
      fmt(percentile(ms, 50)),
      fmt(percentile(ms, 99)),
      fmt(s.rss / MB),
      fmt(s.heapUsed / MB),
      fmt(s.loopDelayP99Ms),
      fmt(s.loopDelayMaxMs),
    ];
  });
  console.log(
    table(
      [
        'min',
        'requests',
        'errors',
        'p50 ms',
        'p99 ms',
        'RSS MB',
        'heap MB',
        'loop p99 ms',
        'loop max ms',
      ],
      rows,
    ),
  );
}

/** RSS slope (MB/min) over each half of the samples; level when the second half is flat. */
function levelsOff(samples: Sample[]): { first: number; second: number; pass: boolean } {
  const points = samples.map((s): [number, number] => [s.minute, s.rss / MB]);
  const half = Math.floor(points.length / 2);
  const first = slope(points.slice(0, half));
  const second = slope(points.slice(half));
  const pass =
    Number.isFinite(second) && (second < LEVEL_MB_PER_MIN || (first > 0 && second < first / 2));
  return { first, second, pass };
}

/**
 * No acknowledged answer lost: the round counts at least every answer acknowledged with 200
 * (and at most every answer sent: a refused one may still have landed, and Slack's user sends
 * it again).
 */
async function checkAnswers(
  sql: Client,
  roundId: string,
  sent: number,
  acknowledged: number,
): Promise<boolean> {
  const { rows } = await sql.query<{ n: string }>(
    `SELECT count(*) n FROM round_invitations WHERE round_id = $1 AND responded`,
    [roundId],
  );
  const counted = Number(rows[0].n);
  const pass = counted >= acknowledged && counted <= sent;
  console.log(
    `\n  answers sent ${sent}, acknowledged ${acknowledged}, counted ${counted} — ${verdict(pass)}`,
  );
  return pass;
}

runBenchmark(main);
