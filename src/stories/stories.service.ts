/**
 * The story feed: sharing (named or anonymous), moderation, reports, reactions, the feed with
 * its search, and the weekly digest. Every rule of the feature is decided here; the controller
 * and the Slack listener only parse and render.
 *
 * Anonymity of an anonymous story: its row holds no author and only the day it was written; the
 * transaction that writes it touches no row naming the person (the person is only read) and
 * queues only the workspace-wide HR announcement, which names no story and no person.
 */
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DateTime } from 'luxon';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/errors';
import { isKeyProblem, KeyRing } from '../common/key-ring';
import { resealColumn } from '../common/reseal';
import { JobsService } from '../jobs/jobs.service';
import type { PersonEntity } from '../people/person.entity';
import { PeopleService } from '../people/people.service';
import type { WorkspaceEntity } from '../workspaces/workspace.entity';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { decodeCursor, encodeCursor } from './stories.cursor';
import type { KnownBlock } from '@slack/types';
import { homeStoryBlocks } from './slack/stories.blocks';
import { SlackCallError } from '../slack/slack-call.error';
import { StoriesNotifier } from './slack/stories.notifier';
import { openHrMessage, resealHrMessage, sealHrMessage } from './hr-message-seal';
import { HEADLINE_START, HEADLINE_STOP, StoriesRepository } from './stories.repository';
import {
  DigestJobData,
  OutcomeJobData,
  ReviewedJobData,
  STORIES_QUEUES,
  WorkspaceJobData,
} from './stories.queues';
import {
  emptyCounts,
  slackLength,
  type DecidedVia,
  type DigestItem,
  STORY_LIMITS,
  STORY_TAG_IDS,
  type NewStory,
  type ReactionKind,
  type ReviewOutcome,
  type Story,
  type StoryCounts,
  type StoryStatus,
  type StoryTag,
} from './stories.types';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

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

/**
 * Who decides a review, and where: an HR person pressing a button of the HR review message
 * (`slack`: the listener updates that message itself), or in the dashboard or the API (the
 * message is then updated by the stories.reviewed job). `slackUserId` is null for a credential
 * that is nobody in Slack (an API token, the operator).
 */
export interface Reviewer {
  workspaceId: string;
  slackUserId: string | null;
  via: 'slack' | DecidedVia;
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

/** A story's status once a decision of this outcome is made. */
const STATUS_AFTER: Record<ReviewOutcome, StoryStatus> = {
  approved: 'published',
  restored: 'published',
  rejected: 'rejected',
  removed: 'rejected',
};

/** chat.update's answers for a review message that is no more: nothing left to update. */
const MESSAGE_GONE = ['message_not_found', 'channel_not_found'];

@Injectable()
export class StoriesService implements OnApplicationBootstrap {
  private readonly logger = new Logger(StoriesService.name);

  constructor(
    private readonly stories: StoriesRepository,
    private readonly people: PeopleService,
    private readonly workspaces: WorkspacesService,
    private readonly jobs: JobsService,
    private readonly notifier: StoriesNotifier,
    private readonly clock: Clock,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly ring: KeyRing,
  ) {}

  /**
   * After a rotation (ENCRYPTION_KEY new, ENCRYPTION_KEY_PREVIOUS the old one), the sealed HR
   * message references are sealed again under the new key, so the previous key can be dropped.
   */
  async onApplicationBootstrap(): Promise<void> {
    const { resealed, unreadable } = await resealColumn(
      this.stories.hrMessages,
      (sealed) => this.ring.isCurrent(sealed),
      (id, sealed) => resealHrMessage(this.ring, id, sealed),
    );
    if (resealed > 0)
      this.logger.log({ msg: 'story HR message references sealed under ENCRYPTION_KEY', resealed });
    if (unreadable > 0) {
      // Only a message left unedited is lost: the decision itself never needs them.
      this.logger.warn({
        msg: 'story HR message references that neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS opens: those messages will not be updated after a decision in the API or the dashboard',
        unreadable,
      });
    }
  }

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
    await this.txHost.withTransaction(async () => {
      await this.stories.insert({
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
      if (moderated) await this.queueAnnouncement(workspace.id);
    });
    this.logger.log({ msg: 'story shared', workspaceId: workspace.id, status });
    return { status, anonymous: story.anonymous };
  }

  private async queueAnnouncement(workspaceId: string): Promise<void> {
    await this.jobs.send<WorkspaceJobData>(
      STORIES_QUEUES.announce,
      { workspaceId },
      { singletonKey: workspaceId },
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
   * A named story's author is told the outcome of a first review by DM. A decision made outside
   * the HR channel queues the update of the story's HR review message.
   */
  async decide(
    reviewer: Reviewer,
    id: string,
    decision: Decision,
  ): Promise<{ story: Story; outcome: ReviewOutcome }> {
    const before = await this.get(reviewer.workspaceId, id);
    const to: StoryStatus = decision === 'approve' ? 'published' : 'rejected';
    const outcome: ReviewOutcome =
      before.status === 'hidden'
        ? decision === 'approve'
          ? 'restored'
          : 'removed'
        : decision === 'approve'
          ? 'approved'
          : 'rejected';
    const story = await this.txHost.withTransaction(async () => {
      const moved = await this.stories.transition(
        reviewer.workspaceId,
        id,
        ['pending', 'hidden'],
        to,
        this.today(),
      );
      if (!moved) return null;
      if (before.status === 'pending' && !before.anonymous && before.authorPersonId) {
        await this.jobs.send<OutcomeJobData>(
          STORIES_QUEUES.outcome,
          { storyId: id, outcome: to === 'published' ? 'published' : 'rejected' },
          { singletonKey: `${id}:outcome` },
        );
      }
      if (reviewer.via !== 'slack') {
        await this.jobs.send<ReviewedJobData>(STORIES_QUEUES.reviewed, {
          storyId: id,
          outcome,
          via: reviewer.via,
          by: reviewer.slackUserId,
        });
      }
      return moved;
    });
    if (!story) {
      const now = await this.get(reviewer.workspaceId, id);
      throw new DomainError('conflict', `This story was already reviewed: it is ${now.status}`);
    }
    this.logger.log({ msg: 'story reviewed', storyId: id, outcome });
    return { story, outcome };
  }

  /**
   * A decision in the API or the dashboard: the reviewer is the principal's workspace, shown in
   * Slack by the person's mention when signed in as a person, else by where it was decided.
   */
  async decideAsPrincipal(
    principal: Principal,
    id: string,
    decision: Decision,
    via: DecidedVia,
  ): Promise<{ story: Story; outcome: ReviewOutcome }> {
    const person = principal.personId ? await this.people.getById(principal.personId) : null;
    const slackUserId =
      person && person.workspaceId === principal.workspaceId ? person.slackUserId : null;
    return this.decide({ workspaceId: principal.workspaceId, slackUserId, via }, id, decision);
  }

  /** Anyone may report a published story: it is hidden until HR restores or removes it. */
  async report(workspaceId: string, id: string): Promise<Story> {
    await this.get(workspaceId, id);
    const story = await this.txHost.withTransaction(async () => {
      const moved = await this.stories.transition(
        workspaceId,
        id,
        ['published'],
        'hidden',
        this.today(),
        { announce: true },
      );
      if (moved) await this.queueAnnouncement(workspaceId);
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

  /**
   * The stories section of the App Home tab (the latest stories from `latest`), its reaction
   * buttons under the tab's own action ids.
   */
  homeSection(items: DigestItem[], reactActionId: (kind: string) => string): KnownBlock[] {
    return homeStoryBlocks(items, reactActionId);
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
  async announce(job: WorkspaceJobData): Promise<void> {
    const workspace = await this.workspaces.get(job.workspaceId);
    const { hrChannelId } = this.workspaces.settingsOf(workspace);
    const botToken = this.workspaces.botToken(workspace);
    if (!hrChannelId || !botToken) return;
    for (const story of await this.stories.unannounced(workspace.id)) {
      const message = await this.notifier.postForReview(
        botToken,
        hrChannelId,
        story,
        await this.authorOf(story),
      );
      // Where the message is, sealed for this story: its ts is a precise time (hr-message-seal.ts).
      await this.stories.markAnnounced(story.id, sealHrMessage(this.ring, story.id, message));
    }
  }

  /**
   * stories.reviewed: the story's HR review message, updated to say who decided and where, as
   * the listener does after a button. Ends quietly (a log line, no retry) when there is nothing
   * to update: no message on record (announced before references were kept, or never), a
   * reference that does not open for this story, a story decided again since, or a message or
   * channel Slack no longer has.
   */
  async updateReviewMessage(job: ReviewedJobData): Promise<void> {
    const quiet = (reason: string) =>
      this.logger.log({ msg: 'story HR message not updated', storyId: job.storyId, reason });
    const story = await this.stories.findById(job.storyId);
    if (!story) return quiet('story deleted');
    if (story.status !== STATUS_AFTER[job.outcome]) return quiet('story decided again since');
    const sealed = await this.stories.sealedHrMessage(story.id);
    if (!sealed) return quiet('no HR message on record');
    let message: { channel: string; ts: string };
    try {
      message = openHrMessage(this.ring, story.id, sealed);
    } catch (err) {
      if (!isKeyProblem(err)) throw err;
      return quiet(`HR message reference does not open: ${(err as Error).name}`);
    }
    const workspace = await this.workspaces.get(story.workspaceId);
    const botToken = this.workspaces.botToken(workspace);
    if (!botToken) return quiet('workspace has no bot token');
    try {
      await this.notifier.markReviewed(botToken, message, {
        story,
        author: await this.authorOf(story),
        counts: await this.countsOf(story.id),
        decision: { by: job.by, outcome: job.outcome, via: job.via },
      });
    } catch (err) {
      if (!(err instanceof SlackCallError) || err.retryable) throw err;
      if (MESSAGE_GONE.includes(err.slackError ?? '')) return quiet(`Slack: ${err.slackError}`);
      // Any other refusal (not_in_channel, cant_update_message, …) will not change on a retry.
      this.logger.warn({
        msg: 'story HR message not updated',
        storyId: story.id,
        reason: `Slack: ${err.slackError}`,
      });
    }
  }

  /** stories.outcome: the DM to a named story's author. */
  async tellOutcome(job: OutcomeJobData): Promise<void> {
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
      const won = await this.txHost.withTransaction(async () => {
        if (!(await this.stories.claimDigest(workspace.id, week, channel))) return false;
        await this.jobs.send<DigestJobData>(
          STORIES_QUEUES.digestPost,
          { workspaceId: workspace.id, week },
          { singletonKey: `${workspace.id}:${week}` },
        );
        return true;
      });
      if (won) claimed++;
    }
    return claimed;
  }

  /** stories.digest-post: the claimed week's published stories; nothing when already posted. */
  async postDigest(job: DigestJobData): Promise<void> {
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
