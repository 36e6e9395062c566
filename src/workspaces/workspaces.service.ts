import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/errors';
import { isKeyProblem } from '../common/key-ring';
import { resealTokens } from '../common/reseal';
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
  storyPromptHour: number;
  focusStatusText: string;
  focusStatusEmoji: string;
  focusRetentionDays: number;
}

export const DEFAULT_FOCUS_STATUS_TEXT = 'Heads-down, please come back later';
export const DEFAULT_FOCUS_STATUS_EMOJI = ':no_bell:';

/**
 * How long ended and cancelled focus blocks are kept (docs/contract.md). At least a week, so a
 * block outlives the week it belongs to until that week is rolled up; at most a year, beyond
 * which the setting would be keeping individual history rather than limiting it. The database
 * checks the same bounds.
 */
export const FOCUS_RETENTION_DAYS = { default: 30, min: 7, max: 365 } as const;

/**
 * How long a workspace found by Slack team id is reused. Every Slack request looks its workspace
 * up (Bolt's authorize, then the listener); this process drops an entry as soon as it writes the
 * workspace (install, settings), so the TTL only bounds what another replica's write takes to show.
 */
export const SLACK_TEAM_CACHE_MS = 30_000;

/**
 * What a bot token is bound to: its workspace row, named by the Slack team id (the row's unique
 * key, known before an installation's row exists), and its column.
 */
export function botTokenRow(slackTeamId: string): string {
  return `workspaces/${slackTeamId}/bot_token`;
}

@Injectable()
export class WorkspacesService implements OnApplicationBootstrap {
  private readonly logger = new Logger(WorkspacesService.name);
  /** Found workspaces only: a team that is not installed yet is looked up again next time. */
  private readonly bySlackTeam = new Map<string, { workspace: WorkspaceEntity; until: number }>();
  private readonly botTokens = new WeakMap<WorkspaceEntity, string>();

  constructor(
    private readonly workspaces: WorkspacesRepository,
    private readonly cipher: TokenCipher,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Bot tokens sealed under a previous ENCRYPTION_KEY (or the first format) are sealed again. */
  async onApplicationBootstrap(): Promise<void> {
    const { resealed, unreadable } = await resealTokens(
      this.cipher,
      this.workspaces.botTokens,
      botTokenRow,
    );
    if (resealed > 0) this.logger.log({ msg: 'bot tokens sealed under ENCRYPTION_KEY', resealed });
    if (unreadable > 0) {
      this.logger.error({
        msg: 'bot tokens that neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS opens: reinstall those workspaces or set the key they were sealed with',
        unreadable,
      });
    }
  }

  async get(id: string): Promise<WorkspaceEntity> {
    const workspace = await this.workspaces.findById(id);
    if (!workspace) throw notFound('Workspace');
    return workspace;
  }

  async findBySlackTeamId(slackTeamId: string): Promise<WorkspaceEntity | null> {
    const now = this.clock.now().getTime();
    const cached = this.bySlackTeam.get(slackTeamId);
    if (cached && cached.until > now) return cached.workspace;
    const workspace = await this.workspaces.findBySlackTeamId(slackTeamId);
    if (workspace)
      this.bySlackTeam.set(slackTeamId, { workspace, until: now + SLACK_TEAM_CACHE_MS });
    else this.bySlackTeam.delete(slackTeamId);
    return workspace;
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

  existsForSlackTeam(slackTeamId: string): Promise<boolean> {
    return this.workspaces.existsForSlackTeam(slackTeamId);
  }

  async saveInstallation(installation: Installation): Promise<WorkspaceEntity> {
    const { botToken, ...rest } = installation;
    this.bySlackTeam.delete(installation.slackTeamId);
    const saved = await this.workspaces.saveInstallation({
      ...rest,
      botTokenEnc: this.cipher.encrypt(botToken, botTokenRow(installation.slackTeamId)),
    });
    // Again once written: a lookup in between may have cached the row being replaced.
    this.bySlackTeam.delete(installation.slackTeamId);
    return saved;
  }

  /**
   * Decrypted once per loaded row: the cached row serves every Slack request for 30 s. A token
   * the key ring cannot open (ENCRYPTION_KEY changed without ENCRYPTION_KEY_PREVIOUS) counts as
   * no token: Slack is off for that workspace until it is reinstalled or the key is set, and
   * the rest of the service keeps running.
   */
  botToken(workspace: WorkspaceEntity): string | undefined {
    if (!workspace.botTokenEnc) return undefined;
    let token = this.botTokens.get(workspace);
    if (token === undefined) {
      try {
        token = this.cipher.decrypt(workspace.botTokenEnc, botTokenRow(workspace.slackTeamId));
      } catch (err) {
        if (!isKeyProblem(err)) throw err;
        this.logger.warn({
          msg: 'bot token unreadable with ENCRYPTION_KEY (or not sealed for this workspace): Slack is off for this workspace until it is reinstalled',
          workspaceId: workspace.id,
        });
        return undefined;
      }
      this.botTokens.set(workspace, token);
    }
    return token;
  }

  /** Every workspace that has a digest channel set (the weekly story digest fans out over them). */
  withDigestChannel(): Promise<WorkspaceEntity[]> {
    return this.workspaces.withDigestChannel();
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
      storyPromptHour: workspace.storyPromptHour,
      focusStatusText: workspace.focusStatusText ?? DEFAULT_FOCUS_STATUS_TEXT,
      focusStatusEmoji: workspace.focusStatusEmoji ?? DEFAULT_FOCUS_STATUS_EMOJI,
      focusRetentionDays: workspace.focusRetentionDays ?? FOCUS_RETENTION_DAYS.default,
    };
  }

  /** Every workspace's id (periodic jobs fan out one job per workspace). */
  listIds(): Promise<string[]> {
    return this.workspaces.listIds();
  }

  async getSettings(workspaceId: string): Promise<WorkspaceSettings> {
    return this.settingsOf(await this.get(workspaceId));
  }

  async updateSettings(workspaceId: string, patch: SettingsPatch): Promise<WorkspaceSettings> {
    const workspace = await this.workspaces.updateSettings(workspaceId, patch);
    this.bySlackTeam.delete(workspace.slackTeamId);
    return this.settingsOf(workspace);
  }
}
