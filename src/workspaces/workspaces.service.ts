import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { DomainError, notFound } from '../common/errors';
import { TokenCipher } from '../common/token-cipher';
import { WorkspaceEntity } from './workspace.entity';
import { SettingsPatch, WorkspacesRepository } from './workspaces.repository';

export interface Installation {
  slackTeamId: string;
  name: string;
  botToken: string;
  botUserId: string | null;
  botScopes: string | null;
  installedBySlackUserId: string | null;
}

export interface WorkspaceSettings {
  anonymityThreshold: number;
  storyModeration: boolean;
  hrChannelId: string | null;
  digestChannelId: string | null;
  focusStatusText: string;
  focusStatusEmoji: string;
}

export const DEFAULT_FOCUS_STATUS_TEXT = 'Heads-down, please come back later';
export const DEFAULT_FOCUS_STATUS_EMOJI = ':no_bell:';

@Injectable()
export class WorkspacesService {
  constructor(
    private readonly workspaces: WorkspacesRepository,
    private readonly cipher: TokenCipher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async get(id: string): Promise<WorkspaceEntity> {
    const workspace = await this.workspaces.findById(id);
    if (!workspace) throw notFound('Workspace');
    return workspace;
  }

  findBySlackTeamId(slackTeamId: string): Promise<WorkspaceEntity | null> {
    return this.workspaces.findBySlackTeamId(slackTeamId);
  }

  /** The operator names a workspace by Slack team id, or gets the only one there is. */
  async resolveForOperator(slackTeamId: string | undefined): Promise<WorkspaceEntity> {
    if (slackTeamId) {
      const workspace = await this.workspaces.findBySlackTeamId(slackTeamId);
      if (!workspace) {
        throw new DomainError('not_found', `No workspace with Slack team id ${slackTeamId}`);
      }
      return workspace;
    }
    const candidates = await this.workspaces.findFirstTwo();
    if (candidates.length === 0) {
      throw new DomainError(
        'no_workspace',
        'No workspace is installed yet: install the Slack app at /slack/install or set SLACK_BOT_TOKEN',
      );
    }
    if (candidates.length > 1) {
      throw new DomainError(
        'ambiguous_workspace',
        'Several workspaces are installed: name one with the X-Pulsedesk-Workspace header (its Slack team id)',
      );
    }
    return candidates[0];
  }

  saveInstallation(installation: Installation, manager?: EntityManager): Promise<WorkspaceEntity> {
    const { botToken, ...rest } = installation;
    return this.workspaces.saveInstallation(
      { ...rest, botTokenEnc: this.cipher.encrypt(botToken) },
      manager,
    );
  }

  botToken(workspace: WorkspaceEntity): string | undefined {
    return workspace.botTokenEnc ? this.cipher.decrypt(workspace.botTokenEnc) : undefined;
  }

  get defaultAnonymityThreshold(): number {
    return this.config.anonymityThreshold;
  }

  settingsOf(workspace: WorkspaceEntity): WorkspaceSettings {
    return {
      anonymityThreshold: workspace.anonymityThreshold ?? this.config.anonymityThreshold,
      storyModeration: workspace.storyModeration,
      hrChannelId: workspace.hrChannelId,
      digestChannelId: workspace.digestChannelId,
      focusStatusText: workspace.focusStatusText ?? DEFAULT_FOCUS_STATUS_TEXT,
      focusStatusEmoji: workspace.focusStatusEmoji ?? DEFAULT_FOCUS_STATUS_EMOJI,
    };
  }

  async getSettings(workspaceId: string): Promise<WorkspaceSettings> {
    return this.settingsOf(await this.get(workspaceId));
  }

  async updateSettings(workspaceId: string, patch: SettingsPatch): Promise<WorkspaceSettings> {
    return this.settingsOf(await this.workspaces.updateSettings(workspaceId, patch));
  }
}
