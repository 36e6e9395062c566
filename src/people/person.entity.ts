import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const ROLES = ['agent', 'lead', 'hr', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A member of the workspace as imported from Slack, with their Pulsedesk role and team. */
@Entity('people')
export class PersonEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ name: 'slack_user_id', type: 'varchar' })
  slackUserId: string;

  @Column({ type: 'varchar' })
  name: string;

  @Column({ name: 'real_name', type: 'varchar', nullable: true })
  realName: string | null;

  @Column({ type: 'varchar', nullable: true })
  email: string | null;

  /** IANA zone from Slack (e.g. Europe/Paris); all local times are computed from it. */
  @Column({ type: 'varchar', default: 'UTC' })
  tz: string;

  @Column({ name: 'tz_offset', type: 'integer', default: 0 })
  tzOffset: number;

  @Column({ name: 'team_id', type: 'uuid', nullable: true })
  teamId: string | null;

  @Column({ type: 'varchar', default: 'agent' })
  role: Role;

  /** False once the person is deactivated in Slack; kept so history stays consistent. */
  @Column({ type: 'boolean', default: true })
  active: boolean;

  /** The person's own Slack user token (status and DND), encrypted with TokenCipher. */
  @Column({ name: 'user_token_enc', type: 'text', nullable: true })
  userTokenEnc: string | null;

  @Column({ name: 'user_scopes', type: 'text', nullable: true })
  userScopes: string | null;

  @Column({ name: 'connected_at', type: 'timestamptz', nullable: true })
  connectedAt: Date | null;

  @Column({ name: 'synced_at', type: 'timestamptz', nullable: true })
  syncedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
