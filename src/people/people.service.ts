import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/errors';
import { isKeyProblem } from '../common/key-ring';
import { resealTokens } from '../common/reseal';
import { TokenCipher } from '../common/token-cipher';
import { JobsService } from '../jobs/jobs.service';
import { RetryAt } from '../jobs/retry-at';
import { SlackGateway, SlackUser } from '../slack/slack-gateway';
import { SlackRateGate } from '../slack/slack-rate-gate';
import { TeamsService } from '../teams/teams.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { PersonEntity, Role } from './person.entity';
import { PeopleRepository, PersonFromSlack } from './people.repository';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';
import { SLACK_EVENTS, SlackUserConnected } from '../slack/slack.events';
import { PEOPLE_SYNC_QUEUE, PeopleSyncJobData } from './people.queues';

export interface SyncCounts {
  pages: number;
  created: number;
  updated: number;
  unchanged: number;
  deactivated: number;
  skipped: number;
}

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

/** A sync stopped by Slack's rate limit: where to resume, and when. */
export class PeopleSyncInterrupted extends Error {
  constructor(
    readonly retry: RetryAt,
    readonly cursor: string | undefined,
    readonly counts: SyncCounts,
  ) {
    super(`people sync interrupted: ${retry.message}`);
    this.name = 'PeopleSyncInterrupted';
  }
}

/** What a user token is bound to: its person row and column. */
export function userTokenRow(personId: string): string {
  return `people/${personId}/user_token`;
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
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly gate: SlackRateGate,
    private readonly jobs: JobsService,
  ) {}

  /** User tokens sealed under a previous ENCRYPTION_KEY (or the first format) are sealed again. */
  async onApplicationBootstrap(): Promise<void> {
    const { resealed, unreadable } = await resealTokens(
      this.cipher,
      this.people.userTokens,
      userTokenRow,
    );
    if (resealed > 0) this.logger.log({ msg: 'user tokens sealed under ENCRYPTION_KEY', resealed });
    if (unreadable > 0) {
      this.logger.error({
        msg: 'user tokens that neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS opens: those agents must connect Slack again',
        unreadable,
      });
    }
  }

  /**
   * POST /api/people/sync. When Slack rate-limits users.list part-way, the rest of the import
   * is queued (the people.sync job, from the page it stopped at, after Retry-After) and the
   * request says so, instead of holding the request open for Retry-After.
   */
  async syncNow(workspaceId: string): Promise<SyncCounts> {
    try {
      return await this.syncFromSlack(workspaceId);
    } catch (err) {
      if (!(err instanceof PeopleSyncInterrupted)) throw err;
      await this.jobs.send<PeopleSyncJobData>(
        PEOPLE_SYNC_QUEUE,
        { workspaceId, makeAdmin: null, cursor: err.cursor },
        { startAfter: err.retry.at, singletonKey: `people-sync:${workspaceId}` },
      );
      throw new DomainError(
        'slack_unavailable',
        `Slack is rate-limiting users.list: ${err.counts.pages} page(s) imported; the rest is ` +
          `imported by itself from ${err.retry.at.toISOString()}`,
      );
    }
  }

  /**
   * Imports the workspace's members page by page, from `cursor` (a sync resumed after a rate
   * limit) or the first page. Each page is written in one transaction; a re-run touches only
   * rows whose Slack data changed, so it is idempotent. Each page is paced (users.list is
   * Tier 2); a 429 stops the sync with PeopleSyncInterrupted, which says where to resume.
   */
  async syncFromSlack(
    workspaceId: string,
    options: { installer?: string | null; cursor?: string } = {},
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
    let cursor: string | undefined = options.cursor;
    do {
      const page = await this.fetchPage(workspaceId, botToken, cursor, counts);
      counts.pages += 1;
      await this.applyPage(workspaceId, page.members, counts, options.installer ?? null);
      cursor = page.response_metadata?.next_cursor || undefined;
      this.logger.log({ msg: 'people sync page', workspaceId, page: counts.pages, ...counts });
    } while (cursor);
    return counts;
  }

  private async fetchPage(
    workspaceId: string,
    botToken: string,
    cursor: string | undefined,
    counts: SyncCounts,
  ) {
    try {
      return await this.gate.paced(workspaceId, ['users.list'], () =>
        this.slack.listUsersPage(botToken, cursor),
      );
    } catch (err) {
      if (err instanceof RetryAt) throw new PeopleSyncInterrupted(err, cursor, counts);
      throw new DomainError('slack_unavailable', `People sync stopped: ${(err as Error).message}`);
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
    await this.txHost.withTransaction(async () => {
      const existing = new Map(
        (
          await this.people.findManyBySlackUserIds(
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
      await this.people.insertMany(workspaceId, toInsert, now);
      counts.created += toInsert.length;
    });
  }

  /**
   * Queues the import of a workspace's people (one waiting per workspace), in the caller's
   * transaction: an installation and its import are recorded together.
   */
  async queueSync(workspaceId: string, makeAdmin: string | null): Promise<void> {
    await this.jobs.send<PeopleSyncJobData>(
      PEOPLE_SYNC_QUEUE,
      { workspaceId, makeAdmin },
      { singletonKey: `people-sync:${workspaceId}` },
    );
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
    // The token and the event in one transaction: subscribers (a focus block already running
    // starts syncing) hear of the connection exactly when it is stored.
    await this.txHost.withTransaction(async () => {
      await this.people.saveUserToken(person, {
        userTokenEnc: this.cipher.encrypt(token, userTokenRow(person.id)),
        userScopes: scopes,
        connectedAt: this.clock.now(),
      });
      await this.jobs.emit<SlackUserConnected>(SLACK_EVENTS.userConnected, {
        workspaceId,
        personId: person.id,
      });
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
    await this.txHost.withTransaction(() =>
      this.people.insertMany(workspaceId, [fromSlack(user)], this.clock.now()),
    );
    return this.get(workspaceId, slackUserId);
  }

  async getById(id: string): Promise<PersonEntity> {
    const person = await this.people.findById(id);
    if (!person) throw notFound('Person');
    return person;
  }

  lockTeamMembers(workspaceId: string, teamId: string): Promise<PersonEntity[]> {
    return this.people.lockTeamMembers(workspaceId, teamId);
  }

  listWorkspace(workspaceId: string): Promise<PersonEntity[]> {
    return this.people.list(workspaceId);
  }

  audience(workspaceId: string, teamIds: string[] | null): Promise<PersonEntity[]> {
    return this.people.listAudience(workspaceId, teamIds);
  }

  /** The agent's own token; undefined when none, or when the key ring cannot open it (reconnect). */
  userToken(person: PersonEntity): string | undefined {
    if (!person.userTokenEnc) return undefined;
    try {
      return this.cipher.decrypt(person.userTokenEnc, userTokenRow(person.id));
    } catch (err) {
      if (!isKeyProblem(err)) throw err;
      this.logger.warn({
        msg: 'user token unreadable with ENCRYPTION_KEY (or not sealed for this person): the agent must connect Slack again',
        personId: person.id,
      });
      return undefined;
    }
  }
}
