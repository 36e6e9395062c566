import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sealed ballots (docs/anonymity.md). While a round is open its answers exist only as
 * `ballots`: one opaque row per response (random id, round, AES-256-GCM ciphertext of the padded
 * response), with no team, no time and no person. The round's own data key is kept only wrapped
 * by ENCRYPTION_KEY (`rounds.ballot_key`) and is nulled when the round closes, in the same
 * transaction that opens its ballots into `responses`/`answers` and deletes them.
 * `invalid_ballots` counts ballots that failed authentication at close (a count, never content).
 * `merged_at_rest` says a closed round stores only publishable teams; rounds closed by earlier
 * releases are merged once at boot (BallotBoxService).
 */
export class SealedBallots1764614400000 implements MigrationInterface {
  name = 'SealedBallots1764614400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE rounds ADD COLUMN ballot_key text,
                         ADD COLUMN invalid_ballots integer NOT NULL DEFAULT 0,
                         ADD COLUMN merged_at_rest boolean NOT NULL DEFAULT false`,
    );
    await q.query(`
      CREATE TABLE ballots (
        id uuid PRIMARY KEY,
        round_id uuid NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        sealed bytea NOT NULL
      )`);
    await q.query(`CREATE INDEX ballots_round ON ballots (round_id)`);
    // Which teams a closed round stored merged (not publishable at its close): their names are
    // shown as suppressed, as before; no count, no answer is kept per merged team.
    await q.query(`
      CREATE TABLE round_merged_teams (
        round_id uuid NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        team_id uuid
      )`);
    await q.query(`CREATE INDEX round_merged_teams_round ON round_merged_teams (round_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE round_merged_teams`);
    await q.query(`DROP TABLE ballots`);
    await q.query(
      `ALTER TABLE rounds DROP COLUMN ballot_key, DROP COLUMN invalid_ballots, DROP COLUMN merged_at_rest`,
    );
  }
}
