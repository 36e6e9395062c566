import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

/** A Slack workspace that installed Pulsedesk, with its bot credentials and settings. */
@Entity('workspaces')
export class WorkspaceEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'slack_team_id', type: 'varchar' })
  slackTeamId: string;

  @Column({ type: 'varchar' })
  name: string;

  /** Encrypted with TokenCipher; never selected into API responses. */
  @Column({ name: 'bot_token_enc', type: 'text', nullable: true })
  botTokenEnc: string | null;

  @Column({ name: 'bot_user_id', type: 'varchar', nullable: true })
  botUserId: string | null;

  @Column({ name: 'bot_scopes', type: 'text', nullable: true })
  botScopes: string | null;

  @Column({ name: 'installed_by_slack_user_id', type: 'varchar', nullable: true })
  installedBySlackUserId: string | null;

  /** Null means "the operator's ANONYMITY_THRESHOLD". */
  @Column({ name: 'anonymity_threshold', type: 'integer', nullable: true })
  anonymityThreshold: number | null;

  @Column({ name: 'story_moderation', type: 'boolean', default: true })
  storyModeration: boolean;

  @Column({ name: 'hr_channel_id', type: 'varchar', nullable: true })
  hrChannelId: string | null;

  @Column({ name: 'digest_channel_id', type: 'varchar', nullable: true })
  digestChannelId: string | null;

  /** The local hour (0-23) the weekly story prompt reaches the agents who opted in. */
  @Column({ name: 'story_prompt_hour', type: 'smallint', default: 17 })
  storyPromptHour: number;

  @Column({ name: 'focus_status_text', type: 'varchar', nullable: true })
  focusStatusText: string | null;

  @Column({ name: 'focus_status_emoji', type: 'varchar', nullable: true })
  focusStatusEmoji: string | null;

  /** Days an ended or cancelled focus block is kept before only its weekly figures remain. */
  @Column({ name: 'focus_retention_days', type: 'integer', default: 30 })
  focusRetentionDays: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
