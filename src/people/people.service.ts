import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/errors';
import { isKeyProblem } from '../common/key-ring';
import { resealTokens } from '../common/reseal';
import { TokenCipher } from '../common/token-cipher';
import { SlackCallError } from '../slack/slack-call.error';
import { SlackGateway, SlackUser } from '../slack/slack-gateway';
import { TeamsService } from '../teams/teams.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { PersonEntity, Role } from './person.entity';
import { PeopleRepository, PersonFromSlack } from './people.repository';

export interface SyncCounts {
  pages: number;
  created: number;
  updated: number;
  unchanged: number;
  deactivated: number;
  skipped: number;
}

/** How long a sync waits out a users.list rate limit before giving up. */
const MAX_RATE_LIMIT_WAITS = 5;
const COMPARED_FIELDS = ['name', 'realName', 'email', 'tz', 'tzOffset', 'active'] as const;

/** Slackbot is a user in users.list but never a person; bots and workflow users neither. */
export function isPerson(user: SlackUser): boolean {
  return user.id !== 'USLACKBOT' && !user.is_bot;
}

export function fromSlack(user: SlackUser): PersonFromSlack {
  return {
    slackUserId: user.id,
    name: user.profile?.display_name || user.real_name || user.name,
    realName: user.real_name ?? user.profile?.real_name ?? null,
    email: user.profile?.email ?? null,
    tz: user.tz ?? 'UTC',
    tzOffset: user.tz_offset ?? 0,
    active: !user.deleted,
  };
}

@Injectable()
export class PeopleService implements OnApplicationBootstrap {
  private readonly logger = new Logger(PeopleService.name);

  constructor(
    private readonly people: PeopleRepository,
    private readonly workspaces: WorkspacesService,
    private readonly teams: TeamsService,
    private readonly slack: SlackGateway,
    private readonly cipher: TokenCipher,
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
  ) {}

  /** User tokens sealed under a previous ENCRYPTION_KEY (or the first format) are sealed again. */
  async onApplicationBootstrap(): Promise<void> {
    const { resealed, unreadable } = await resealTokens(this.cipher, this.people);
    if (resealed > 0) this.logger.log({ msg: 'user tokens sealed under ENCRYPTION_KEY', resealed });
    if (unreadable > 0) {
      this.logger.error({
        msg: 'user tokens that neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS opens: those agents must connect Slack again',
        unreadable,
      });
    }
  }

  /**
   * Imports the workspace's members page by page. Each page is written in one transaction;
   * a re-run touches only rows whose Slack data changed, so it is idempotent.
   */
  async syncFromSlack(
    workspaceId: string,
    options: { installer?: string | null } = {},
  ): Promise<SyncCounts> {
    const workspace = await this.workspaces.get(workspaceId);
    const botToken = this.workspaces.botToken(workspace);
    if (!botToken) {
      throw new DomainError(
        'slack_disabled',
        'This workspace has no bot token: install the Slack app first',
      );
    }
    const counts: SyncCounts = {
      pages: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      skipped: 0,
    };
    let cursor: string | undefined;
    do {
      const page = await this.fetchPage(botToken, cursor);
      counts.pages += 1;
      await this.applyPage(workspaceId, page.members, counts, options.installer ?? null);
      cursor = page.response_metadata?.next_cursor || undefined;
      this.logger.log({ msg: 'people sync page', workspaceId, page: counts.pages, ...counts });
    } while (cursor);
    return counts;
  }

  private async fetchPage(botToken: string, cursor: string | undefined) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.slack.listUsersPage(botToken, cursor);
      } catch (err) {
        if (
          err instanceof SlackCallError &&
          err.kind === 'rate_limited' &&
          attempt < MAX_RATE_LIMIT_WAITS
        ) {
          await this.clock.sleep((err.retryAfterSeconds ?? 1) * 1000);
          continue;
        }
        throw new DomainError(
          'slack_unavailable',
          `People sync stopped: ${(err as Error).message}`,
        );
      }
    }
  }

  private async applyPage(
    workspaceId: string,
    members: SlackUser[],
    counts: SyncCounts,
    installer: string | null,
  ): Promise<void> {
    const candidates = members.filter((m) => {
      if (isPerson(m)) return true;
      counts.skipped += 1;
      return false;
    });
    const now = this.clock.now();
    await this.dataSource.transaction(async (manager) => {
      const existing = new Map(
        (
          await this.people.findManyBySlackUserIds(
            manager,
            workspaceId,
            candidates.map((m) => m.id),
          )
        ).map((p) => [p.slackUserId, p]),
      );
      const toInsert: (PersonFromSlack & { role?: Role })[] = [];
      for (const member of candidates) {
        const incoming = fromSlack(member);
        const current = existing.get(member.id);
        if (!current) {
          // Someone already deactivated in Slack is not imported.
          // Whoever installed Pulsedesk administers it.
          if (incoming.active)
            toInsert.push(member.id === installer ? { ...incoming, role: 'admin' } : incoming);
          else counts.skipped += 1;
          continue;
        }
        const changed = COMPARED_FIELDS.filter((f) => current[f] !== incoming[f]);
        // The installer administers Pulsedesk even if they were imported (or connected) earlier.
        const promote = member.id === installer && current.role === 'agent';
        if (changed.length === 0 && !promote) {
          counts.unchanged += 1;
          continue;
        }
        await this.people.updateFromSlack(
          manager,
          current.id,
          {
            ...Object.fromEntries(changed.map((f) => [f, incoming[f]])),
            ...(promote ? { role: 'admin' as const } : {}),
          },
          now,
        );
        if (current.active && !incoming.active) counts.deactivated += 1;
        else if (changed.length === 0) counts.unchanged += 1;
        else counts.updated += 1;
      }
      await this.people.insertMany(manager, workspaceId, toInsert, now);
      counts.created += toInsert.length;
    });
  }

  /** HR and admins list everyone; a lead lists their own team. */
  list(principal: Principal): Promise<PersonEntity[]> {
    if (principal.role === 'lead') {
      return this.people.list(principal.workspaceId, { teamId: principal.teamId ?? undefined });
    }
    return this.people.list(principal.workspaceId);
  }

  async get(workspaceId: string, slackUserId: string): Promise<PersonEntity> {
    const person = await this.people.findBySlackUserId(workspaceId, slackUserId);
    if (!person) throw notFound(`Person ${slackUserId}`);
    return person;
  }

  findBySlackUserId(workspaceId: string, slackUserId: string): Promise<PersonEntity | null> {
    return this.people.findBySlackUserId(workspaceId, slackUserId);
  }

  async assign(
    workspaceId: string,
    slackUserId: string,
    patch: { teamId?: string | null; role?: Role },
  ): Promise<PersonEntity> {
    const person = await this.get(workspaceId, slackUserId);
    if (patch.teamId) await this.teams.get(workspaceId, patch.teamId);
    return this.people.assign(person, patch);
  }

  /** Stores an agent's own user token (from /slack/connect), encrypted. */
  async connectUserToken(
    workspaceId: string,
    slackUserId: string,
    token: string,
    scopes: string | null,
  ): Promise<PersonEntity> {
    const person = await this.ensurePerson(workspaceId, slackUserId);
    await this.people.saveUserToken(person, {
      userTokenEnc: this.cipher.encrypt(token),
      userScopes: scopes,
      connectedAt: this.clock.now(),
    });
    return this.get(workspaceId, slackUserId);
  }

  /** Someone can connect before the next people sync: import just them from users.info. */
  private async ensurePerson(workspaceId: string, slackUserId: string): Promise<PersonEntity> {
    const existing = await this.people.findBySlackUserId(workspaceId, slackUserId);
    if (existing) return existing;
    const botToken = this.workspaces.botToken(await this.workspaces.get(workspaceId));
    if (!botToken) throw notFound(`Person ${slackUserId}`);
    const user = await this.slack.userInfo(botToken, slackUserId);
    await this.dataSource.transaction((manager) =>
      this.people.insertMany(manager, workspaceId, [fromSlack(user)], this.clock.now()),
    );
    return this.get(workspaceId, slackUserId);
  }

  async getById(id: string): Promise<PersonEntity> {
    const person = await this.people.findById(id);
    if (!person) throw notFound('Person');
    return person;
  }

  lockTeamMembers(
    manager: EntityManager,
    workspaceId: string,
    teamId: string,
  ): Promise<PersonEntity[]> {
    return this.people.lockTeamMembers(manager, workspaceId, teamId);
  }

  listWorkspace(workspaceId: string): Promise<PersonEntity[]> {
    return this.people.list(workspaceId);
  }

  audience(
    manager: EntityManager,
    workspaceId: string,
    teamIds: string[] | null,
  ): Promise<PersonEntity[]> {
    return this.people.listAudience(manager, workspaceId, teamIds);
  }

  /** The agent's own token; undefined when none, or when the key ring cannot open it (reconnect). */
  userToken(person: PersonEntity): string | undefined {
    if (!person.userTokenEnc) return undefined;
    try {
      return this.cipher.decrypt(person.userTokenEnc);
    } catch (err) {
      if (!isKeyProblem(err)) throw err;
      this.logger.warn({
        msg: 'user token unreadable with ENCRYPTION_KEY: the agent must connect Slack again',
        personId: person.id,
      });
      return undefined;
    }
  }
}
