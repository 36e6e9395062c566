import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where each story's HR-channel review message is, sealed (src/stories/hr-message-seal.ts):
 * after a decision made in the API or the dashboard the message is updated too. NULL for a
 * story never announced, and for stories announced before this column.
 */
export class StoryHrMessage1765219200000 implements MigrationInterface {
  name = 'StoryHrMessage1765219200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stories ADD COLUMN hr_message text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stories DROP COLUMN hr_message`);
  }
}
