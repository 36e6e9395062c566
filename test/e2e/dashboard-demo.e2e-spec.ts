/**
 * `npm run demo` in a real process (node dist/src/cli/demo.js): it refuses a database holding a
 * real workspace unless --force, shows progress week by week, seeds through the real answer and
 * close paths (closed rounds with published, suppressed-where-due results), and prints a link.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { assertBuilt } from '../support/app-process';
import { acquireTestDatabase, TestDatabase } from '../support/test-database';

jest.setTimeout(180_000);
const ROOT = path.resolve(__dirname, '../..');

function runDemo(
  env: Record<string, string>,
  args: string[],
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'dist/src/cli/demo.js'), ...args],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'pulsedesk-demo-')),
          ...env,
        },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe('npm run demo', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    assertBuilt();
    db = await acquireTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query(
      `INSERT INTO workspaces (slack_team_id, name) VALUES ('T0REAL0001', 'A real workspace')`,
    );
  });

  afterAll(async () => {
    await client?.end();
    await db?.release();
  });

  it('refuses a database holding a real workspace, and seeds nothing', async () => {
    const { code, out } = await runDemo({ DATABASE_URL: db.url }, ['--weeks', '2']);
    expect(code).toBe(2);
    expect(out).toContain('Refusing');
    expect(out).toContain('--force');
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM workspaces`);
    expect(rows[0].n).toBe(1);
  });

  it('seeds with --force, showing progress, through the real close path, and prints a link', async () => {
    const { code, out } = await runDemo({ DATABASE_URL: db.url }, ['--weeks', '2', '--force']);
    expect(out).toContain('Seeded 5 teams and 60 people.');
    expect(out).toMatch(/Week 1\/2: round answered by \d+, closed\./);
    expect(out).toMatch(/Week 2\/2: round answered by \d+, closed\./);
    expect(out).toMatch(/open this one-time link within 15 minutes: http:\/\/\S+\/auth\/link\/\S+/);
    expect(code).toBe(0);
    const rounds = await client.query(
      `SELECT r.status, r.ballot_key, r.merged_at_rest,
              (SELECT count(*)::int FROM ballots b WHERE b.round_id = r.id) AS sealed,
              (SELECT count(*)::int FROM responses s WHERE s.round_id = r.id) AS opened
         FROM rounds r JOIN workspaces w ON w.id = r.workspace_id
        WHERE w.slack_team_id = 'TDEMO00001'`,
    );
    expect(rounds.rows).toHaveLength(2);
    for (const r of rounds.rows) {
      // Closed by RoundClosingService.close: key destroyed, ballots opened into responses.
      expect(r).toMatchObject({ status: 'closed', ballot_key: null, sealed: 0 });
      expect(r.opened).toBeGreaterThan(20);
      expect(r.merged_at_rest).toBe(true);
    }
    // Stories shared through the story service: four published, the two newest waiting.
    expect(out).toContain('Seeded 6 stories, 4 of them approved.');
    const stories = await client.query(
      `SELECT s.status, count(*)::int AS n FROM stories s JOIN workspaces w ON w.id = s.workspace_id
        WHERE w.slack_team_id = 'TDEMO00001' GROUP BY s.status ORDER BY s.status`,
    );
    expect(stories.rows).toEqual([
      { status: 'pending', n: 2 },
      { status: 'published', n: 4 },
    ]);
    const again = await runDemo({ DATABASE_URL: db.url }, ['--weeks', '2', '--force']);
    expect(again.out).toContain('already seeded');
  });
});
