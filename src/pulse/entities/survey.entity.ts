import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { QuestionDef } from '../pulse.types';

/** A survey: its question bank, audience, schedule and delivery windows. */
@Entity('surveys')
export class SurveyEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ type: 'varchar' })
  title: string;

  /** The bank; a round asks `questionsPerRound` of them in rotation (all when null). */
  @Column({ type: 'jsonb' })
  questions: QuestionDef[];

  @Column({ name: 'questions_per_round', type: 'integer', nullable: true })
  questionsPerRound: number | null;

  @Column({ name: 'rotation_cursor', type: 'integer', default: 0 })
  rotationCursor: number;

  /** Null: every agent of the workspace. */
  @Column({ name: 'audience_team_ids', type: 'uuid', array: true, nullable: true })
  audienceTeamIds: string[] | null;

  @Column({ name: 'schedule_rrule', type: 'text', nullable: true })
  scheduleRrule: string | null;

  /** HH:mm, evaluated in each agent's own time zone. */
  @Column({ name: 'schedule_local_time', type: 'varchar', nullable: true })
  scheduleLocalTime: string | null;

  @Column({ name: 'window_hours', type: 'integer', default: 72 })
  windowHours: number;

  @Column({ name: 'reminder_after_hours', type: 'integer', nullable: true })
  reminderAfterHours: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
