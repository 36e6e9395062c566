import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dashboard sign-in (docs/dashboard.md). `sign_in_links` are the one-time links `/pulse
 * dashboard` and the first-run console print; `dashboard_sessions` are the sessions a link
 * starts. Both keep only the SHA-256 of their secret, so a copy of the database signs nobody in.
 * `person_id` is null for the operator's sign-in (no Slack person behind it); `workspace_id` is
 * null when the operator signed in before any workspace was installed.
 */
export class DashboardSessions1764873600000 implements MigrationInterface {
  name = 'DashboardSessions1764873600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sign_in_links (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash char(64) NOT NULL UNIQUE,
        workspace_id uuid REFERENCES workspaces(id) ON DELETE CASCADE,
        person_id uuid REFERENCES people(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE dashboard_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        session_hash char(64) NOT NULL UNIQUE,
        workspace_id uuid REFERENCES workspaces(id) ON DELETE CASCADE,
        person_id uuid REFERENCES people(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE dashboard_sessions`);
    await q.query(`DROP TABLE sign_in_links`);
  }
}
