import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { QuestionDef } from '../pulse.types';

export type RoundStatus = 'open' | 'closed';

/** One asking of a survey: the questions asked, `k` as snapshotted at open, its window. */
@Entity('rounds')
export class RoundEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'survey_id', type: 'uuid' })
  surveyId: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ type: 'varchar' })
  status: RoundStatus;

  @Column({ type: 'jsonb' })
  questions: QuestionDef[];

  /** The anonymity threshold when the round opened; the effective k may only be higher. */
  @Column({ type: 'integer' })
  k: number;

  /** The schedule date (YYYY-MM-DD) of a scheduled round; null when opened by hand. */
  @Column({ type: 'varchar', nullable: true })
  occurrence: string | null;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt: Date;

  @Column({ name: 'closes_at', type: 'timestamptz' })
  closesAt: Date;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt: Date | null;

  /** Participation frozen when the round closed; null while open. */
  @Column({ type: 'integer', nullable: true })
  invited: number | null;

  @Column({ type: 'integer', nullable: true })
  responded: number | null;

  @Column({ name: 'reminder_sent_at', type: 'timestamptz', nullable: true })
  reminderSentAt: Date | null;

  /** Ballots that failed authentication when the round closed: a count, never their content. */
  @Column({ name: 'invalid_ballots', type: 'integer', default: 0 })
  invalidBallots: number;
}
