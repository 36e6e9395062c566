import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { REACTION_KINDS, STORY_STATUSES, STORY_TAG_IDS } from '../stories.types';
import type { ReactionKind, StoryStatus, StoryTag } from '../stories.types';

/**
 * GET /api/stories. Every parameter arrives as a string (a repeated one is refused with 400
 * before any route, by common/request-shape.ts).
 */
export class FeedQueryDto {
  @ApiPropertyOptional({ enum: STORY_STATUSES, default: 'published' })
  @IsOptional()
  @IsIn(STORY_STATUSES, { message: `status must be one of ${STORY_STATUSES.join(', ')}` })
  status?: StoryStatus;

  @ApiPropertyOptional({ enum: STORY_TAG_IDS })
  @IsOptional()
  @IsIn(STORY_TAG_IDS, { message: `tag must be one of ${STORY_TAG_IDS.join(', ')}` })
  tag?: StoryTag;

  @ApiPropertyOptional({ description: 'full-text search (quotes, OR and -word as on the web)' })
  @IsOptional()
  @IsString({ message: 'q must be a single string' })
  @Matches(/\S/, { message: 'q must not be empty' })
  // eslint-disable-next-line no-control-regex
  @Matches(/^[^\u0000-\u001f\u007f]*$/, { message: 'q must not contain control characters' })
  @MaxLength(200, { message: 'q must be at most 200 characters' })
  q?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString({ message: 'cursor must be a single string' })
  @MaxLength(200, { message: 'cursor is not valid' })
  cursor?: string;

  @ApiPropertyOptional({ description: '1 to 100', default: 20 })
  @IsOptional()
  @IsString({ message: 'limit must be a whole number from 1 to 100' })
  @Matches(/^(100|[1-9][0-9]?)$/, { message: 'limit must be a whole number from 1 to 100' })
  limit?: string;
}

export class ReactionDto {
  @ApiProperty({ enum: REACTION_KINDS })
  @IsIn(REACTION_KINDS, { message: `kind must be one of ${REACTION_KINDS.join(', ')}` })
  kind: ReactionKind;
}

export class ReactionCountsDto {
  @ApiProperty() clap: number;
  @ApiProperty() heart: number;
  @ApiProperty() raised_hands: number;
}

export class StoryAuthorDto {
  @ApiProperty() slackUserId: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
}

export class FeedItemDto {
  @ApiProperty() id: string;
  @ApiProperty() title: string;
  @ApiProperty({ description: 'as written: escape it wherever it is shown' }) body: string;
  @ApiProperty({ enum: STORY_TAG_IDS, isArray: true }) tags: StoryTag[];
  @ApiProperty({ enum: STORY_STATUSES }) status: StoryStatus;
  @ApiProperty() anonymous: boolean;
  @ApiProperty({ type: StoryAuthorDto, nullable: true, description: 'always null when anonymous' })
  author: StoryAuthorDto | null;
  @ApiProperty({ description: 'a day (YYYY-MM-DD): no finer time is kept' }) createdOn: string;
  @ApiProperty({ nullable: true, type: String }) publishedOn: string | null;
  @ApiProperty({ type: ReactionCountsDto }) reactions: ReactionCountsDto;
  @ApiPropertyOptional({
    description: 'with q: matching passages, HTML-escaped, matches in <mark>…</mark>',
  })
  snippet?: string;
  @ApiPropertyOptional() rank?: number;
}

export class FeedPageDto {
  @ApiProperty({ type: [FeedItemDto] }) items: FeedItemDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ReviewedDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: STORY_STATUSES }) status: StoryStatus;
  @ApiProperty({ enum: ['approved', 'rejected', 'restored', 'removed'] }) outcome: string;
}

export class ReportedDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: STORY_STATUSES }) status: StoryStatus;
}

export class ReactedDto {
  @ApiProperty() added: boolean;
  @ApiProperty() count: number;
  @ApiProperty({ type: ReactionCountsDto }) reactions: ReactionCountsDto;
}
