/**
 * The story feed: sharing (named or anonymous), moderation, reports, reactions, the feed with
 * its search, and the weekly digest. Every rule of the feature is decided here; the controller
 * and the Slack listener only parse and render.
 *
 * Anonymity of an anonymous story: its row holds no author and only the day it was written; the
 * transaction that writes it touches no row naming the person (the person is only read) and
 * queues only the workspace-wide HR announcement, which names no story and no person.
 */
import { Injectable, Logger } from '@nestjs/common';
import { DateTime } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/errors';
import { JobsService } from '../jobs/jobs.service';
import type { PersonEntity } from '../people/person.entity';
import { PeopleService } from '../people/people.service';
import type { WorkspaceEntity } from '../workspaces/workspace.entity';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { decodeCursor, encodeCursor } from './stories.cursor';
import type { DigestItem } from './slack/stories.blocks';
import { StoriesNotifier } from './slack/stories.notifier';
import { HEADLINE_START, HEADLINE_STOP, StoriesRepository } from './stories.repository';
import { DigestJob, OutcomeJob, STORIES_QUEUES, WorkspaceJob } from './stories.queues';
import {
  emptyCounts,
  slackLength,
  STORY_LIMITS,
  STORY_TAG_IDS,
  type NewStory,
  type ReactionKind,
  type Story,
  type StoryCounts,
  type StoryStatus,
  type StoryTag,
} from './stories.types';

export interface FeedItem {
  id: string;
  title: string;
  body: string;
  tags: StoryTag[];
  status: StoryStatus;
  anonymous: boolean;
  /** Null for an anonymous story, always. */
  author: { slackUserId: string; name: string | null } | null;
  createdOn: string;
  publishedOn: string | null;
  reactions: StoryCounts;
  /** With `q`: the matching passages, HTML-escaped, matches wrapped in <mark>…</mark>. */
  snippet?: string;
  rank?: number;
}

export interface FeedPage {
  items: FeedItem[];
  nextCursor: string | null;
}

export type Decision = 'approve' | 'reject';

/** Who decides a review: an HR person in Slack (shown by mention) or an API credential. */
export interface Reviewer {
  workspaceId: string;
  slackUserId: string | null;
}

const REVIEWERS: PersonEntity['role'][] = ['hr', 'admin'];

/** Control characters other than newline and tab are dropped from stories (they also delimit search snippets). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

const html = (t: string) =>
  t.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** A ts_headline made safe for HTML: the text escaped, only our own <mark> tags left. */
export function safeSnippet(headline: string): string {
  return html(headline).split(HEADLINE_START).join('<mark>').split(HEADLINE_STOP).join('</mark>');
}

/** "2026-W48" → its Monday and Sunday (ISO weeks, days in UTC). */
export function isoWeekDays(week: string): { from: string; to: string } {
  const monday = DateTime.fromISO(week, { zone: 'UTC' });
  return { from: monday.toISODate()!, to: monday.plus({ days: 6 }).toISODate()! };
}

@Injectable()
export class StoriesService {
  private readonly logger = new Logger(StoriesService.name);

  constructor(
    private readonly stories: StoriesRepository,
    private readonly people: PeopleService,
    private readonly workspaces: WorkspacesService,
    private readonly jobs: JobsService,
    private readonly notifier: StoriesNotifier,
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
  ) {}

  /** Today, as the only time a story keeps (UTC days). */
  private today(): string {
    return DateTime.fromJSDate(this.clock.now(), { zone: 'UTC' }).toISODate()!;
  }

  /** The person behind a Slack request, or a clear not_found. */
  async personFor(
    slackTeamId: string,
    slackUserId: string,
  ): Promise<{ workspace: WorkspaceEntity; person: PersonEntity }> {
    const workspace = await this.workspaces.findBySlackTeamId(slackTeamId);
    const person = workspace
      ? await this.people.findBySlackUserId(workspace.id, slackUserId)
      : null;
    if (!workspace || !person)
      throw new DomainError(
        'not_found',
        'Pulsedesk does not know you yet: ask an admin to import people',
      );
    return { workspace, person };
  }

  /** Checks a story as the modal does, for any other way in (and in case the modal's limits are bypassed). */
  validate(input: NewStory): NewStory {
    const title = input.title.replace(CONTROL, '').trim();
    const body = input.body.replace(CONTROL, '').trim();
    if (!title) throw new DomainError('validation_failed', 'title must not be empty');
    if (slackLength(title) > STORY_LIMITS.title)
      throw new DomainError(
        'validation_failed',
        `title must be at most ${STORY_LIMITS.title} characters`,
      );
    if (!body) throw new DomainError('validation_failed', 'story must not be empty');
    if (slackLength(body) > STORY_LIMITS.body)
      throw new DomainError(
        'validation_failed',
        `story must be at most ${STORY_LIMITS.body} characters`,
      );
    for (const tag of input.tags)
      if (!(STORY_TAG_IDS as string[]).includes(tag))
        throw new DomainError(
          'validation_failed',
          `tag ${tag} is not one of ${STORY_TAG_IDS.join(', ')}`,
        );
    return { ...input, title, body, tags: [...new Set(input.tags)] };
  }

  /**
   * Shares a story from Slack. With moderation on it waits for HR (announced to the HR channel
   * by a workspace-wide job); with it off it is published at once.
   */
  async share(
    slackTeamId: string,
    slackUserId: string,
    input: NewStory,
  ): Promise<{ status: 'pending' | 'published'; anonymous: boolean }> {
    const story = this.validate(input);
    const { workspace, person } = await this.personFor(slackTeamId, slackUserId);
    const moderated = this.workspaces.settingsOf(workspace).storyModeration;
    const status = moderated ? 'pending' : 'published';
    const day = this.today();
    await this.dataSource.transaction(async (m) => {
      await this.stories.insert(m, {
        workspaceId: workspace.id,
        anonymous: story.anonymous,
        // The one place the author could enter the row: never for an anonymous story.
        authorPersonId: story.anonymous ? null : person.id,
        title: story.title,
        body: story.body,
        tags: story.tags,
        status,
        day,
      });
      if (moderated) await this.queueAnnouncement(m, workspace.id);
    });
    this.logger.log({ msg: 'story shared', workspaceId: workspace.id, status });
    return { status, anonymous: story.anonymous };
  }

  private async queueAnnouncement(m: EntityManager, workspaceId: string): Promise<void> {
    await this.jobs.send<WorkspaceJob>(
      STORIES_QUEUES.announce,
      { workspaceId },
      { manager: m, singletonKey: workspaceId },
    );
  }

  async get(workspaceId: string, id: string): Promise<Story> {
    const story = await this.stories.findInWorkspace(workspaceId, id);
    if (!story) throw notFound('Story');
    return story;
  }

  /** A Slack person may review only as HR or admin. */
  assertReviewer(person: PersonEntity): void {
    if (!REVIEWERS.includes(person.role))
      throw new DomainError('forbidden', 'Only HR leads and admins can review stories.');
  }

  /**
   * Approve (or restore a reported story) / reject (or remove it from the feed). A story
   * already decided is a conflict, so a double click or a replayed action changes nothing.
   * A named story's author is told the outcome of a first review by DM.
   */
  async decide(
    reviewer: Reviewer,
    id: string,
    decision: Decision,
  ): Promise<{ story: Story; outcome: 'approved' | 'rejected' | 'restored' | 'removed' }> {
    const before = await this.get(reviewer.workspaceId, id);
    const to: StoryStatus = decision === 'approve' ? 'published' : 'rejected';
    const story = await this.dataSource.transaction(async (m) => {
      const moved = await this.stories.transition(
        m,
        reviewer.workspaceId,
        id,
        ['pending', 'hidden'],
        to,
        this.today(),
      );
      if (!moved) return null;
      if (before.status === 'pending' && !before.anonymous && before.authorPersonId) {
        await this.jobs.send<OutcomeJob>(
          STORIES_QUEUES.outcome,
          { storyId: id, outcome: to === 'published' ? 'published' : 'rejected' },
          { manager: m, singletonKey: `${id}:outcome` },
        );
      }
      return moved;
    });
    if (!story) {
      const now = await this.get(reviewer.workspaceId, id);
      throw new DomainError('conflict', `This story was already reviewed: it is ${now.status}`);
    }
    const outcome =
      before.status === 'hidden'
        ? decision === 'approve'
          ? 'restored'
          : 'removed'
        : decision === 'approve'
          ? 'approved'
          : 'rejected';
    this.logger.log({ msg: 'story reviewed', storyId: id, outcome });
    return { story, outcome };
  }

  /** Anyone may report a published story: it is hidden until HR restores or removes it. */
  async report(workspaceId: string, id: string): Promise<Story> {
    await this.get(workspaceId, id);
    const story = await this.dataSource.transaction(async (m) => {
      const moved = await this.stories.transition(
        m,
        workspaceId,
        id,
        ['published'],
        'hidden',
        this.today(),
        { announce: true },
      );
      if (moved) await this.queueAnnouncement(m, workspaceId);
      return moved;
    });
    if (!story)
      throw new DomainError(
        'conflict',
        'Only a published story can be reported; this one is not in the feed',
      );
    return story;
  }

  async remove(principal: Principal, id: string): Promise<void> {
    if (!(await this.stories.delete(principal.workspaceId, id))) throw notFound('Story');
  }

  /** Toggles one reaction of one person; refused on a story that is not in the feed. */
  async react(
    workspaceId: string,
    personId: string,
    id: string,
    kind: ReactionKind,
  ): Promise<{ added: boolean; count: number; reactions: StoryCounts }> {
    await this.get(workspaceId, id);
    const toggled = await this.stories.toggleReaction(workspaceId, id, personId, kind);
    if (!toggled) throw new DomainError('conflict', 'Only a published story can be reacted to');
    const reactions = (await this.stories.counts([id])).get(id) ?? emptyCounts();
    return { ...toggled, reactions };
  }

  /** POST /api/stories/:id/reactions: a signed-in person only (an API token is nobody). */
  reactAsPrincipal(principal: Principal, id: string, kind: ReactionKind) {
    if (principal.via !== 'session' || !principal.personId)
      throw new DomainError(
        'forbidden',
        'Reactions are made by a person: sign in to the dashboard (an API token reacts for nobody)',
      );
    return this.react(principal.workspaceId, principal.personId, id, kind);
  }

  async reportAsPrincipal(principal: Principal, id: string) {
    const story = await this.report(principal.workspaceId, id);
    return { id: story.id, status: story.status };
  }

  async feed(
    principal: Principal,
    query: { status?: StoryStatus; tag?: StoryTag; q?: string; cursor?: string; limit?: number },
  ): Promise<FeedPage> {
    const status = query.status ?? 'published';
    if (status !== 'published' && !REVIEWERS.includes(principal.role))
      throw new DomainError('forbidden', `Only HR leads and admins see ${status} stories`);
    const limit = query.limit ?? 20;
    const after = query.cursor ? decodeCursor(query.cursor, query.q !== undefined) : undefined;
    const rows = await this.stories.feed({
      workspaceId: principal.workspaceId,
      status,
      tag: query.tag,
      q: query.q,
      after,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const counts = await this.stories.counts(page.map((r) => r.story.id));
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.story.id,
        title: r.story.title,
        body: r.story.body,
        tags: r.story.tags,
        status: r.story.status,
        anonymous: r.story.anonymous,
        author:
          r.story.anonymous || !r.authorSlackUserId
            ? null
            : { slackUserId: r.authorSlackUserId, name: r.authorName },
        createdOn: r.story.createdOn,
        publishedOn: r.story.publishedOn,
        reactions: counts.get(r.story.id) ?? emptyCounts(),
        ...(r.headline !== undefined ? { snippet: safeSnippet(r.headline), rank: r.rank } : {}),
      })),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ seq: last.story.seq, rank: last.rank }) : null,
    };
  }

  /** The latest published stories with their counts (App Home). */
  async latest(workspaceId: string, limit = 5): Promise<DigestItem[]> {
    const rows = await this.stories.feed({ workspaceId, status: 'published', limit });
    const counts = await this.stories.counts(rows.map((r) => r.story.id));
    return rows.map((r) => ({
      story: r.story,
      author: r.authorSlackUserId ? { slackUserId: r.authorSlackUserId } : null,
      counts: counts.get(r.story.id) ?? emptyCounts(),
    }));
  }

  async authorOf(story: Story): Promise<{ slackUserId: string } | null> {
    const id = await this.stories.authorSlackUserId(story);
    return id ? { slackUserId: id } : null;
  }

  async countsOf(id: string): Promise<StoryCounts> {
    return (await this.stories.counts([id])).get(id) ?? emptyCounts();
  }

  // -------------------------------------------------------------------------------------------
  // Jobs

  /** stories.announce: every story HR has not seen yet goes to the HR channel, oldest first. */
  async announce(job: WorkspaceJob): Promise<void> {
    const workspace = await this.workspaces.get(job.workspaceId);
    const { hrChannelId } = this.workspaces.settingsOf(workspace);
    const botToken = this.workspaces.botToken(workspace);
    if (!hrChannelId || !botToken) return;
    for (const story of await this.stories.unannounced(workspace.id)) {
      await this.notifier.postForReview(botToken, hrChannelId, story, await this.authorOf(story));
      await this.stories.markAnnounced(story.id);
    }
  }

  /** stories.outcome: the DM to a named story's author. */
  async tellOutcome(job: OutcomeJob): Promise<void> {
    const story = await this.stories.findById(job.storyId);
    if (!story) return;
    const author = await this.authorOf(story);
    const workspace = await this.workspaces.get(story.workspaceId);
    const botToken = this.workspaces.botToken(workspace);
    if (!author || !botToken) return;
    await this.notifier.tellAuthor(botToken, author.slackUserId, story, job.outcome);
  }

  /** The ISO week the digest run at `now` covers: the last completed one ("2026-W48"). */
  digestWeek(now: Date = this.clock.now()): string {
    return DateTime.fromJSDate(now, { zone: 'UTC' }).minus({ weeks: 1 }).toFormat("kkkk-'W'WW");
  }

  /**
   * stories.digest-tick: for each workspace with a digest channel, claims the last completed
   * week's digest — a unique row, inserted in the same transaction that queues the post — so a
   * second run, or a second replica racing this one, finds the claim and queues nothing.
   */
  async claimDigests(): Promise<number> {
    const week = this.digestWeek();
    let claimed = 0;
    for (const workspace of await this.workspaces.withDigestChannel()) {
      const channel = workspace.digestChannelId;
      if (!channel) continue;
      const won = await this.dataSource.transaction(async (m) => {
        if (!(await this.stories.claimDigest(m, workspace.id, week, channel))) return false;
        await this.jobs.send<DigestJob>(
          STORIES_QUEUES.digestPost,
          { workspaceId: workspace.id, week },
          { manager: m, singletonKey: `${workspace.id}:${week}` },
        );
        return true;
      });
      if (won) claimed++;
    }
    return claimed;
  }

  /** stories.digest-post: the claimed week's published stories; nothing when already posted. */
  async postDigest(job: DigestJob): Promise<void> {
    const digest = await this.stories.findDigest(job.workspaceId, job.week);
    if (!digest || digest.postedTs) return;
    const workspace = await this.workspaces.get(job.workspaceId);
    const botToken = this.workspaces.botToken(workspace);
    if (!botToken) return;
    const items = await this.digestItems(job.workspaceId, job.week);
    if (items.length === 0) {
      await this.stories.recordDigestPosted(job.workspaceId, job.week, 'none');
      return;
    }
    const ts = await this.notifier.postDigest(botToken, digest.channelId, job.week, items);
    await this.stories.recordDigestPosted(job.workspaceId, job.week, ts);
  }

  async digestItems(workspaceId: string, week: string): Promise<DigestItem[]> {
    const { from, to } = isoWeekDays(week);
    const rows = await this.stories.publishedBetween(workspaceId, from, to);
    const counts = await this.stories.counts(rows.map((r) => r.story.id));
    return rows.map((r) => ({
      story: r.story,
      author: r.authorSlackUserId ? { slackUserId: r.authorSlackUserId } : null,
      counts: counts.get(r.story.id) ?? emptyCounts(),
    }));
  }
}
