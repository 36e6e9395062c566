/**
 * bench/stories — the story feed over 100,000 stories on the server Postgres: the first page of
 * GET /api/stories, a deep page (a cursor 50,000 stories down), and ?q= search for a common word
 * and a rare one, each at 20 concurrent clients, against GET /health (a bare route of the same
 * app, one SELECT 1) in the same run. Stories are seeded with one set-based INSERT.
 *
 * Targets (issue 9): search p95 ≤ 20 ms, feed page p95 ≤ 10 ms.
 *
 *   npm run bench:stories
 *   env: BENCH_DATABASE_URL (admin URL of the server, default postgres://postgres@127.0.0.1:5432/postgres)
 *        BENCH_SECONDS (per pass, default 10), BENCH_STORIES (default 100000)
 */
import { Pool } from 'pg';
import {
  benchAdminToken,
  fmt,
  json,
  keepAliveAgent,
  migratedBenchDatabase,
  onCleanup,
  percentile,
  printBanner,
  runBenchmark,
  runLoad,
  startBenchApp,
  table,
  verdict,
} from './support/harness';

const STORIES = Number(process.env.BENCH_STORIES ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = 20;
const ADMIN_TOKEN = benchAdminToken();
const FEED_P95_MS = 10;
const SEARCH_P95_MS = 20;

/** Words of the seeded bodies; "customer" is in every story, "zeppelin" in one in 5,000. */
const WORDS = [
  'refund',
  'delivery',
  'escalated',
  'patient',
  'thanks',
  'late',
  'order',
  'team',
  'call',
  'ticket',
  'angry',
  'smile',
  'billing',
  'password',
  'weekend',
  'coffee',
  'manager',
  'queue',
];

async function seed(sql: Pool, workspaceId: string): Promise<void> {
  await sql.query(
    `INSERT INTO stories (workspace_id, anonymous, title, body, tags, status, created_on,
       published_on, hr_announced)
     SELECT $1, true,
       'Story ' || i,
       'The customer ' || ($3::text[])[1 + i % 18] || ' ' || ($3::text[])[1 + (i / 18) % 18] || ' ' ||
         ($3::text[])[1 + (i / 324) % 18] || CASE WHEN i % 5000 = 0 THEN ' zeppelin' ELSE '' END ||
         ' and the whole team helped for a while until it was fine again.',
       ARRAY[(ARRAY['customer_win','teamwork','learning','why_i_do_this','self_care'])[1 + i % 5]],
       'published', DATE '2026-01-01' + (i / 400), DATE '2026-01-01' + (i / 400), true
     FROM generate_series(1, $2::int) AS i`,
    [workspaceId, STORIES, WORDS],
  );
  await sql.query(`ANALYZE stories`);
}

runBenchmark(async () => {
  await printBanner('bench/stories');
  const db = await migratedBenchDatabase();
  const sql = new Pool({ connectionString: db.url, max: 2 });
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
      `INSERT INTO workspaces (slack_team_id, name) VALUES ('T0BENCHSTO', 'Bench Stories') RETURNING id`,
    )
  ).rows;
  const t0 = performance.now();
  await seed(sql, workspaceId);
  console.log(`  seeded ${STORIES} stories in ${fmt((performance.now() - t0) / 1000)} s`);

  const app = await startBenchApp(db, ADMIN_TOKEN);
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const agent = keepAliveAgent(2);
  // A cursor about half-way down: walk there with pages of 100 once, outside the timing.
  let cursor: string | null = null;
  for (let i = 0; i < Math.floor(STORIES / 200); i++) {
    const page: { nextCursor: string | null } = await json(agent, app.url, {
      method: 'GET',
      path: `/api/stories?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      headers: admin,
    });
    cursor = page.nextCursor;
  }
  agent.destroy();
  if (!cursor) throw new Error('no deep cursor');

  const passes = [
    { label: 'GET /health (bare route)', path: '/health', target: undefined },
    { label: 'feed, first page', path: '/api/stories?limit=20', target: FEED_P95_MS },
    {
      label: 'feed, deep page',
      path: `/api/stories?limit=20&cursor=${cursor}`,
      target: FEED_P95_MS,
    },
    {
      label: 'search, common word',
      path: '/api/stories?q=customer&limit=20',
      target: SEARCH_P95_MS,
    },
    { label: 'search, rare word', path: '/api/stories?q=zeppelin&limit=20', target: SEARCH_P95_MS },
  ];
  const rows: (string | number)[][] = [];
  let baseline = NaN;
  let pass = true;
  for (const p of passes) {
    // Warm-up, then the timed pass.
    await runLoad({
      label: p.label,
      base: app.url,
      concurrency: CONCURRENCY,
      total: 100,
      request: () => ({ method: 'GET', path: p.path, headers: admin }),
      ok: (r) => r.status === 200,
    });
    const r = await runLoad({
      label: p.label,
      base: app.url,
      concurrency: CONCURRENCY,
      seconds: SECONDS,
      request: () => ({ method: 'GET', path: p.path, headers: admin }),
      ok: (res) => res.status === 200,
    });
    const p95 = percentile(r.latencies, 95);
    if (Number.isNaN(baseline)) baseline = p95;
    const ok = p.target === undefined || (p95 <= p.target && r.errors === 0);
    pass &&= ok;
    rows.push([
      p.label,
      r.requests,
      r.errors,
      fmt(r.rps, 0),
      fmt(percentile(r.latencies, 50)),
      fmt(p95),
      `${fmt(p95 / baseline)}×`,
      p.target === undefined ? '' : `≤ ${p.target} ms ${verdict(ok)}`,
    ]);
  }
  console.log(
    table(
      ['pass', 'requests', 'errors', 'req/s', 'p50 ms', 'p95 ms', 'p95 / bare', 'target'],
      rows,
    ),
  );
  console.log(`  ${CONCURRENCY} concurrent clients, ${SECONDS} s a pass: ${verdict(pass)}`);
});
