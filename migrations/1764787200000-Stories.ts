import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The story feed. A story keeps only calendar days (created_on, published_on), never a finer
 * time, and an anonymous one keeps no author at all (author_person_id is NULL and nothing else
 * names one). `seq` orders the feed: it is drawn from a sequence when the story is written and
 * drawn again when it is published, so the newest published story comes first and a keyset
 * cursor on it stays stable while new stories arrive. The full-text vector is generated from
 * the title (weight A) and the body (weight B), with a GIN index. story_digests holds one row
 * per workspace and ISO week: the claim that makes the weekly digest post at most once.
 * story_prompts holds who opted in to the weekly prompt, where they are in the question bank and
 * the last week they were prompted (the claim that makes it once a week); the hour it is sent at,
 * local to each agent, is a workspace setting.
 */
export class Stories1764787200000 implements MigrationInterface {
  name = 'Stories1764787200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE stories_seq`);
    await q.query(`
      CREATE TABLE stories (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        seq bigint NOT NULL DEFAULT nextval('stories_seq'),
        anonymous boolean NOT NULL,
        author_person_id uuid REFERENCES people(id) ON DELETE SET NULL,
        title varchar(150) NOT NULL,
        body text NOT NULL,
        tags text[] NOT NULL DEFAULT '{}',
        status varchar(10) NOT NULL
          CHECK (status IN ('pending', 'published', 'rejected', 'hidden')),
        created_on date NOT NULL,
        published_on date,
        hr_announced boolean NOT NULL DEFAULT false,
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english', title), 'A') ||
          setweight(to_tsvector('english', body), 'B')
        ) STORED,
        CHECK (NOT anonymous OR author_person_id IS NULL)
      )`);
    await q.query(`CREATE INDEX stories_feed ON stories (workspace_id, status, seq DESC)`);
    await q.query(`CREATE INDEX stories_search ON stories USING GIN (search)`);
    await q.query(`CREATE INDEX stories_tags ON stories USING GIN (tags)`);
    await q.query(
      `CREATE INDEX stories_unannounced ON stories (workspace_id) WHERE NOT hr_announced`,
    );
    await q.query(`
      CREATE TABLE story_reactions (
        story_id uuid NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        person_id uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        kind varchar(16) NOT NULL CHECK (kind IN ('clap', 'heart', 'raised_hands')),
        PRIMARY KEY (story_id, person_id, kind)
      )`);
    await q.query(`
      CREATE TABLE story_digests (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        iso_week varchar(8) NOT NULL,
        channel_id varchar(32) NOT NULL,
        posted_ts varchar(32),
        PRIMARY KEY (workspace_id, iso_week)
      )`);
    await q.query(`
      ALTER TABLE workspaces ADD COLUMN story_prompt_hour smallint NOT NULL DEFAULT 17
        CHECK (story_prompt_hour BETWEEN 0 AND 23)`);
    await q.query(`
      CREATE TABLE story_prompts (
        person_id uuid PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        next_question integer NOT NULL DEFAULT 0,
        last_week varchar(8)
      )`);
    await q.query(`CREATE INDEX story_prompts_workspace ON story_prompts (workspace_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE story_prompts`);
    await q.query(`ALTER TABLE workspaces DROP COLUMN story_prompt_hour`);
    await q.query(`DROP TABLE story_digests`);
    await q.query(`DROP TABLE story_reactions`);
    await q.query(`DROP TABLE stories`);
    await q.query(`DROP SEQUENCE stories_seq`);
  }
}
