import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { WorkspaceEntity } from './workspace.entity';

export interface InstallationRecord {
  slackTeamId: string;
  name: string;
  botTokenEnc: string;
  botUserId: string | null;
  botScopes: string | null;
  installedBySlackUserId: string | null;
}

export type SettingsPatch = Partial<
  Pick<
    WorkspaceEntity,
    | 'anonymityThreshold'
    | 'storyModeration'
    | 'hrChannelId'
    | 'digestChannelId'
    | 'storyPromptHour'
    | 'focusStatusText'
    | 'focusStatusEmoji'
    | 'focusRetentionDays'
  >
>;

@Injectable()
export class WorkspacesRepository {
  constructor(
    @InjectRepository(WorkspaceEntity) private readonly repo: Repository<WorkspaceEntity>,
  ) {}

  /** Stored bot tokens (for re-sealing under a new ENCRYPTION_KEY). */
  async sealedValues(): Promise<{ id: string; sealed: string }[]> {
    return this.repo.query(
      `SELECT id, bot_token_enc AS sealed FROM workspaces WHERE bot_token_enc IS NOT NULL`,
    );
  }

  /** Replaces a sealed token unless it changed meanwhile (a reinstall, another replica). */
  async replaceSealed(id: string, from: string, to: string): Promise<void> {
    await this.repo.query(
      `UPDATE workspaces SET bot_token_enc = $3 WHERE id = $1 AND bot_token_enc = $2`,
      [id, from, to],
    );
  }

  findById(id: string): Promise<WorkspaceEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findBySlackTeamId(slackTeamId: string): Promise<WorkspaceEntity | null> {
    return this.repo.findOneBy({ slackTeamId });
  }

  /** Every workspace's id, for periodic work that fans out one job per workspace. */
  async listIds(): Promise<string[]> {
    const rows = await this.repo.find({ select: { id: true }, order: { createdAt: 'ASC' } });
    return rows.map((w) => w.id);
  }

  /** Workspaces that name a channel for the weekly story digest. */
  withDigestChannel(): Promise<WorkspaceEntity[]> {
    return this.repo
      .createQueryBuilder('w')
      .where('w.digest_channel_id IS NOT NULL')
      .orderBy('w.created_at')
      .getMany();
  }

  /** At most two rows: enough to tell "none", "the only one" and "several". */
  findFirstTwo(): Promise<WorkspaceEntity[]> {
    return this.repo.find({ order: { createdAt: 'ASC' }, take: 2 });
  }

  /** Insert or refresh an installation; a reinstall keeps the workspace's settings and data. */
  async existsForSlackTeam(slackTeamId: string, manager: EntityManager): Promise<boolean> {
    return (await manager.getRepository(WorkspaceEntity).countBy({ slackTeamId })) > 0;
  }

  async saveInstallation(
    record: InstallationRecord,
    manager?: EntityManager,
  ): Promise<WorkspaceEntity> {
    const repo = manager ? manager.getRepository(WorkspaceEntity) : this.repo;
    await repo
      .createQueryBuilder()
      .insert()
      .values(record)
      .orUpdate(
        [
          'name',
          'bot_token_enc',
          'bot_user_id',
          'bot_scopes',
          // Kept from the first install: who installed first administers the workspace.
          'updated_at',
        ],
        ['slack_team_id'],
      )
      .execute();
    return (await repo.findOneBy({ slackTeamId: record.slackTeamId }))!;
  }

  async updateSettings(id: string, patch: SettingsPatch): Promise<WorkspaceEntity> {
    if (Object.keys(patch).length > 0) await this.repo.update({ id }, patch);
    return (await this.findById(id))!;
  }
}
