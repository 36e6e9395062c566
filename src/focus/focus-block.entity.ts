import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type FocusState = 'scheduled' | 'active' | 'ended' | 'cancelled';
export type FocusSource = 'command' | 'recurring' | 'home';

export interface SlackStatus {
  status_text: string;
  status_emoji: string;
  status_expiration: number;
}

/** What Pulsedesk has done to the agent's Slack during the block, step by step (retries resume). */
export interface AppliedStatus extends SlackStatus {
  snoozed: boolean;
}

/** One stretch of focus time of one agent. */
@Entity('focus_blocks')
export class FocusBlockEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ name: 'person_id', type: 'uuid' })
  personId: string;

  /** The agent's team when the block was taken: the group its weekly figures count for. */
  @Column({ name: 'team_id', type: 'uuid', nullable: true })
  teamId: string | null;

  @Column({ name: 'rule_id', type: 'uuid', nullable: true })
  ruleId: string | null;

  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt: Date;

  @Column({ name: 'ends_at', type: 'timestamptz' })
  endsAt: Date;

  @Column({ type: 'varchar', nullable: true })
  note: string | null;

  @Column({ type: 'varchar' })
  source: FocusSource;

  @Column({ type: 'varchar', default: 'scheduled' })
  state: FocusState;

  /**
   * The agent's status before the block, restored afterwards; cleared once restored or given up
   * (docs/contract.md: a kept status is forgotten), so no block holds it longer than its sync.
   */
  @Column({ name: 'kept_status', type: 'jsonb', nullable: true })
  keptStatus: SlackStatus | null;

  @Column({ name: 'applied_status', type: 'jsonb', nullable: true })
  appliedStatus: AppliedStatus | null;

  @Column({ name: 'applied_at', type: 'timestamptz', nullable: true })
  appliedAt: Date | null;

  @Column({ name: 'restored_at', type: 'timestamptz', nullable: true })
  restoredAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
