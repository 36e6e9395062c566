import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const TOKEN_ROLES = ['lead', 'hr', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

/** An API credential of one workspace. Only the SHA-256 of the secret is stored. */
@Entity('api_tokens')
export class ApiTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ type: 'varchar' })
  name: string;

  @Column({ type: 'varchar' })
  role: TokenRole;

  /** A lead token reads its team only. */
  @Column({ name: 'team_id', type: 'uuid', nullable: true })
  teamId: string | null;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  /** The first characters, so an admin can recognise a token in the list. */
  @Column({ name: 'token_prefix', type: 'varchar' })
  tokenPrefix: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}
