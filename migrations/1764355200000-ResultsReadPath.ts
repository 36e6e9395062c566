import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The results read path without scans (bench/pulse-results): participation frozen at close,
 * responses found by round, comments found without reading every answer.
 */
export class ResultsReadPath1764355200000 implements MigrationInterface {
  name = 'ResultsReadPath1764355200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rounds ADD COLUMN invited integer, ADD COLUMN responded integer`);
    await q.query(`CREATE INDEX responses_round ON responses (round_id)`);
    await q.query(
      `CREATE INDEX answers_round_comments ON answers (round_id) WHERE comment IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX answers_round_comments`);
    await q.query(`DROP INDEX responses_round`);
    await q.query(`ALTER TABLE rounds DROP COLUMN invited, DROP COLUMN responded`);
  }
}
