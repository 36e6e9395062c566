import { MigrationInterface, QueryRunner } from 'typeorm';
import { SLACK_RESERVE_4 } from './1764441600000-FocusSyncPacing';
import { SLACK_RESERVE_6 } from './1764528000000-PacingLateness';

/**
 * slack_reserve(), both versions, goes: since LearnedPacing the pacer books through
 * slack_book() and no release still running calls it. down() restores both, so that reverting
 * further finds what the older migrations left.
 */
export class DropSlackReserve1765046400000 implements MigrationInterface {
  name = 'DropSlackReserve1765046400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION slack_reserve(uuid, varchar, timestamptz, timestamptz, integer, integer)`,
    );
    await q.query(`DROP FUNCTION slack_reserve(uuid, varchar, timestamptz, integer)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(SLACK_RESERVE_4);
    await q.query(SLACK_RESERVE_6);
  }
}
