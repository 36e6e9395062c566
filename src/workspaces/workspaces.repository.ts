import { Injectable } from '@nestjs/common';
import { EntityManager, Repository } from 'typeorm';
import { SealedColumn, sealedColumnIn } from '../common/reseal';
import { WorkspaceEntity } from './workspace.entity';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

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
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repo(): Repository<WorkspaceEntity> {
    return this.txHost.tx.getRepository(WorkspaceEntity);
  }

  /** The ambient transaction's manager, or the DataSource's outside one. */
  private get db(): EntityManager {
    return this.txHost.tx;
  }

  /**
   * Stored bot tokens by Slack team id, which they are bound to (re-sealed at boot); each
   * replaced only if it did not change meanwhile (a reinstall, another replica).
   */
  readonly botTokens: SealedColumn = sealedColumnIn((sql, params) => this.db.query(sql, params), {
    table: 'workspaces',
    column: 'bot_token_enc',
    key: 'slack_team_id',
  });

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
  async existsForSlackTeam(slackTeamId: string): Promise<boolean> {
    return (await this.db.getRepository(WorkspaceEntity).countBy({ slackTeamId })) > 0;
  }

  async saveInstallation(record: InstallationRecord): Promise<WorkspaceEntity> {
    await this.repo
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
    return (await this.repo.findOneBy({ slackTeamId: record.slackTeamId }))!;
  }

  async updateSettings(id: string, patch: SettingsPatch): Promise<WorkspaceEntity> {
    if (Object.keys(patch).length > 0) await this.repo.update({ id }, patch);
    return (await this.findById(id))!;
  }
}
