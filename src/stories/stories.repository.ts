/**
 * Stories, their reactions and the weekly digest claims. Plain SQL: the feed's keyset, the
 * full-text search and the status transitions are each one statement. No statement here ever
 * writes a finer time than a day onto a story, nor an author onto an anonymous one.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SealedColumn, sealedColumnIn } from '../common/reseal';
import { updateReturning } from '../database/returning';
import {
  emptyCounts,
  type ReactionKind,
  type Story,
  type StoryCounts,
  type StoryStatus,
  type StoryTag,
} from './stories.types';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

interface StoryRow {
  id: string;
  workspace_id: string;
  seq: string;
  anonymous: boolean;
  author_person_id: string | null;
  title: string;
  body: string;
  tags: string[];
  status: StoryStatus;
  created_on: string;
  published_on: string | null;
}

/** Dates come back as text (see the casts): a DATE has no zone to be shifted through. */
const COLUMNS = `s.id, s.workspace_id, s.seq::text AS seq, s.anonymous, s.author_person_id, s.title,
  s.body, s.tags, s.status, s.created_on::text AS created_on, s.published_on::text AS published_on`;

const toStory = (r: StoryRow): Story => ({
  id: r.id,
  workspaceId: r.workspace_id,
  seq: r.seq,
  anonymous: r.anonymous,
  authorPersonId: r.author_person_id,
  title: r.title,
  body: r.body,
  tags: r.tags as StoryTag[],
  status: r.status,
  createdOn: r.created_on,
  publishedOn: r.published_on,
});

export interface FeedQuery {
  workspaceId: string;
  status: StoryStatus;
  tag?: StoryTag;
  q?: string;
  /** Keyset position: stories strictly after it in the order (rank, seq) descending. */
  after?: { seq: string; rank?: number };
  limit: number;
}

export interface FeedRow {
  story: Story;
  authorSlackUserId: string | null;
  authorName: string | null;
  rank?: number;
  /** ts_headline of the body with \u0001 … \u0002 around each match (escaped by the service). */
  headline?: string;
}

export const HEADLINE_START = '\u0001';
export const HEADLINE_STOP = '\u0002';

@Injectable()
export class StoriesRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /** The ambient transaction's manager, or the DataSource's outside one. */
  private get db(): EntityManager {
    return this.txHost.tx;
  }

  /** The only INSERT of a story: the caller passes what may be stored, and nothing else. */
  async insert(values: {
    workspaceId: string;
    anonymous: boolean;
    authorPersonId: string | null;
    title: string;
    body: string;
    tags: StoryTag[];
    status: 'pending' | 'published';
    day: string;
  }): Promise<Story> {
    const [row]: StoryRow[] = await this.db.query(
      `INSERT INTO stories AS s (workspace_id, anonymous, author_person_id, title, body, tags, status,
         created_on, published_on, hr_announced)
       VALUES ($1, $2, $3, $4, $5, $6::text[], $7::text, $8::date,
         CASE WHEN $7::text = 'published' THEN $8::date END, $7::text = 'published')
       RETURNING ${COLUMNS}`,
      [
        values.workspaceId,
        values.anonymous,
        values.anonymous ? null : values.authorPersonId,
        values.title,
        values.body,
        values.tags,
        values.status,
        values.day,
      ],
    );
    return toStory(row);
  }

  async findInWorkspace(workspaceId: string, id: string): Promise<Story | null> {
    const [row]: StoryRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM stories s WHERE s.id = $1 AND s.workspace_id = $2`,
      [id, workspaceId],
    );
    return row ? toStory(row) : null;
  }

  async findById(id: string): Promise<Story | null> {
    const [row]: StoryRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM stories s WHERE s.id = $1`,
      [id],
    );
    return row ? toStory(row) : null;
  }

  /**
   * Moves a story from one of `from` to `to`, or does nothing (null) when it is in none of them:
   * a second click, or a forged action, changes nothing. A story published for the first time
   * takes a fresh place at the top of the feed (a new seq) and the day it was published.
   */
  async transition(
    workspaceId: string,
    id: string,
    from: StoryStatus[],
    to: StoryStatus,
    day: string,
    options: { announce?: boolean } = {},
  ): Promise<Story | null> {
    const [row] = await updateReturning<StoryRow>(
      this.db,
      `UPDATE stories s SET
         status = $4::text,
         seq = CASE WHEN $4::text = 'published' AND s.published_on IS NULL THEN nextval('stories_seq') ELSE s.seq END,
         published_on = CASE WHEN $4::text = 'published' THEN coalesce(s.published_on, $5::date) ELSE s.published_on END,
         hr_announced = CASE WHEN $6::boolean THEN false ELSE true END
       WHERE s.id = $1 AND s.workspace_id = $2 AND s.status = ANY($3::text[])
       RETURNING ${COLUMNS}`,
      [id, workspaceId, from, to, day, options.announce ?? false],
    );
    return row ? toStory(row) : null;
  }

  async delete(workspaceId: string, id: string): Promise<boolean> {
    const rows = await updateReturning<{ id: string }>(
      this.db,
      `DELETE FROM stories WHERE id = $1 AND workspace_id = $2 RETURNING id`,
      [id, workspaceId],
    );
    return rows.length > 0;
  }

  /** The feed: newest first (or best match first with `q`), one page past the keyset position. */
  async feed(query: FeedQuery): Promise<FeedRow[]> {
    const params: unknown[] = [query.workspaceId, query.status];
    const where = ['s.workspace_id = $1', 's.status = $2'];
    if (query.tag) {
      params.push([query.tag]);
      where.push(`s.tags @> $${params.length}::text[]`);
    }
    const join = `LEFT JOIN people p ON p.id = s.author_person_id AND NOT s.anonymous`;
    const author = `p.slack_user_id AS author_slack_user_id, coalesce(p.real_name, p.name) AS author_name`;
    if (query.q !== undefined) {
      params.push(query.q);
      const tsq = `websearch_to_tsquery('english', $${params.length})`;
      where.push(`s.search @@ ${tsq}`);
      const rank = `ts_rank(s.search, ${tsq})`;
      if (query.after) {
        params.push(query.after.rank ?? 0, query.after.seq);
        where.push(`(${rank}, s.seq) < ($${params.length - 1}::real, $${params.length}::bigint)`);
      }
      params.push(query.limit);
      const rows: (StoryRow & {
        author_slack_user_id: string | null;
        author_name: string | null;
        rank: number;
        headline: string;
      })[] = await this.db.query(
        // The page is chosen first (rank, keyset, limit) and only its rows get a headline:
        // ts_headline re-parses a body, and a common word matches most of the table.
        `SELECT page.*, ts_headline('english', page.body, ${tsq},
           'StartSel=${HEADLINE_START}, StopSel=${HEADLINE_STOP}, MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "') AS headline
         FROM (
           SELECT ${COLUMNS}, ${author}, ${rank} AS rank
           FROM stories s ${join}
           WHERE ${where.join(' AND ')}
           ORDER BY ${rank} DESC, s.seq DESC
           LIMIT $${params.length}
         ) page
         ORDER BY page.rank DESC, page.seq::bigint DESC`,
        params,
      );
      return rows.map((r) => ({
        story: toStory(r),
        authorSlackUserId: r.author_slack_user_id,
        authorName: r.author_name,
        rank: Number(r.rank),
        headline: r.headline,
      }));
    }
    if (query.after) {
      params.push(query.after.seq);
      where.push(`s.seq < $${params.length}::bigint`);
    }
    params.push(query.limit);
    const rows: (StoryRow & { author_slack_user_id: string | null; author_name: string | null })[] =
      await this.db.query(
        `SELECT ${COLUMNS}, ${author} FROM stories s ${join}
         WHERE ${where.join(' AND ')}
         ORDER BY s.seq DESC
         LIMIT $${params.length}`,
        params,
      );
    return rows.map((r) => ({
      story: toStory(r),
      authorSlackUserId: r.author_slack_user_id,
      authorName: r.author_name,
    }));
  }

  /** Published stories of a week (days inclusive), oldest first, with their authors' Slack ids. */
  async publishedBetween(workspaceId: string, fromDay: string, toDay: string): Promise<FeedRow[]> {
    const rows: (StoryRow & { author_slack_user_id: string | null })[] = await this.db.query(
      `SELECT ${COLUMNS}, p.slack_user_id AS author_slack_user_id
         FROM stories s LEFT JOIN people p ON p.id = s.author_person_id AND NOT s.anonymous
         WHERE s.workspace_id = $1 AND s.status = 'published'
           AND s.published_on BETWEEN $2::date AND $3::date
         ORDER BY s.seq`,
      [workspaceId, fromDay, toDay],
    );
    return rows.map((r) => ({
      story: toStory(r),
      authorSlackUserId: r.author_slack_user_id,
      authorName: null,
    }));
  }

  async authorSlackUserId(story: Story): Promise<string | null> {
    if (story.anonymous || !story.authorPersonId) return null;
    const [row]: { slack_user_id: string }[] = await this.db.query(
      `SELECT slack_user_id FROM people WHERE id = $1`,
      [story.authorPersonId],
    );
    return row?.slack_user_id ?? null;
  }

  async counts(storyIds: string[]): Promise<Map<string, StoryCounts>> {
    const result = new Map(storyIds.map((id) => [id, emptyCounts()]));
    if (storyIds.length === 0) return result;
    const rows: { story_id: string; kind: ReactionKind; n: number }[] = await this.db.query(
      `SELECT story_id, kind, count(*)::int AS n FROM story_reactions
         WHERE story_id = ANY($1::uuid[]) GROUP BY story_id, kind`,
      [storyIds],
    );
    for (const r of rows) result.get(r.story_id)![r.kind] = r.n;
    return result;
  }

  /**
   * One reaction per person, story and kind: removes it when present, else adds it — but only
   * to a published story of the workspace. Null when the story cannot be reacted to.
   */
  async toggleReaction(
    workspaceId: string,
    storyId: string,
    personId: string,
    kind: ReactionKind,
  ): Promise<{ added: boolean; count: number } | null> {
    return this.txHost.withTransaction(async () => {
      const [story]: { status: string }[] = await this.db.query(
        `SELECT status FROM stories WHERE id = $1 AND workspace_id = $2`,
        [storyId, workspaceId],
      );
      if (!story || story.status !== 'published') return null;
      const removed = await updateReturning<{ kind: string }>(
        this.db,
        `DELETE FROM story_reactions WHERE story_id = $1 AND person_id = $2 AND kind = $3 RETURNING kind`,
        [storyId, personId, kind],
      );
      if (removed.length === 0) {
        await this.db.query(
          `INSERT INTO story_reactions (story_id, person_id, kind) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING`,
          [storyId, personId, kind],
        );
      }
      const [{ n }]: { n: number }[] = await this.db.query(
        `SELECT count(*)::int AS n FROM story_reactions WHERE story_id = $1 AND kind = $2`,
        [storyId, kind],
      );
      return { added: removed.length === 0, count: n };
    });
  }

  /** Stories HR has not been shown yet (new ones waiting, reported ones), oldest first. */
  async unannounced(workspaceId: string): Promise<Story[]> {
    const rows: StoryRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM stories s
       WHERE s.workspace_id = $1 AND NOT s.hr_announced AND s.status IN ('pending', 'hidden')
       ORDER BY s.seq`,
      [workspaceId],
    );
    return rows.map(toStory);
  }

  /**
   * The story is on HR's desk: its review message's reference, sealed (hr-message-seal.ts),
   * replaces any earlier one (a reported story is posted again: the latest message is kept).
   * The statement writes only this row, which names no one for an anonymous story.
   */
  async markAnnounced(id: string, sealedHrMessage: string): Promise<void> {
    await this.db.query(`UPDATE stories SET hr_announced = true, hr_message = $2 WHERE id = $1`, [
      id,
      sealedHrMessage,
    ]);
  }

  /** The sealed reference of the story's latest HR review message, or null (never announced). */
  async sealedHrMessage(id: string): Promise<string | null> {
    const [row]: { hr_message: string | null }[] = await this.db.query(
      `SELECT hr_message FROM stories WHERE id = $1`,
      [id],
    );
    return row?.hr_message ?? null;
  }

  /**
   * The sealed HR message references, for sealing again under a new ENCRYPTION_KEY; each
   * replaced only if it did not change meanwhile (a new announcement, a replica).
   */
  readonly hrMessages: SealedColumn = sealedColumnIn((sql, params) => this.db.query(sql, params), {
    table: 'stories',
    column: 'hr_message',
  });

  /** Claims a workspace's digest of one ISO week; false when it was claimed before. */
  async claimDigest(workspaceId: string, week: string, channelId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO story_digests (workspace_id, iso_week, channel_id) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING iso_week`,
      [workspaceId, week, channelId],
    );
    return rows.length === 1;
  }

  async findDigest(
    workspaceId: string,
    week: string,
  ): Promise<{ channelId: string; postedTs: string | null } | null> {
    const [row]: { channel_id: string; posted_ts: string | null }[] = await this.db.query(
      `SELECT channel_id, posted_ts FROM story_digests WHERE workspace_id = $1 AND iso_week = $2`,
      [workspaceId, week],
    );
    return row ? { channelId: row.channel_id, postedTs: row.posted_ts } : null;
  }

  async recordDigestPosted(workspaceId: string, week: string, ts: string): Promise<void> {
    await this.db.query(
      `UPDATE story_digests SET posted_ts = $3 WHERE workspace_id = $1 AND iso_week = $2`,
      [workspaceId, week, ts],
    );
  }
}
