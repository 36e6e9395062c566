import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { QUESTION_KINDS } from './survey.dto';
import type { QuestionKind } from '../pulse.types';
import { ParticipationDto } from './round.dto';

/**
 * The published results of closed rounds (GET /api/rounds/:id/results and the rounds of
 * GET /api/surveys/:id/trends). Only the shape is declared here: what is published, and what is
 * suppressed below k, is decided by result-building/round-results.ts.
 */
export class PublishedQuestionDto {
  @ApiProperty() questionId: string;
  @ApiProperty({ enum: QUESTION_KINDS }) kind: QuestionKind;
  @ApiProperty() prompt: string;
  @ApiProperty({ description: 'respondents who answered this question' }) n: number;
  @ApiProperty({ nullable: true, type: Number, description: 'scale5/enps; null when suppressed' })
  mean: number | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'answers per possible value; {} for text questions and when suppressed',
  })
  distribution: Record<string, number>;
  @ApiProperty({ nullable: true, type: Number, description: 'scale5: % of 4 and 5' })
  favorability: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'enps: % promoters − % detractors' })
  enps: number | null;
  @ApiProperty({ description: 'fewer than k people stand behind the figures' })
  suppressed: boolean;
}

export class CommentDto {
  @ApiProperty() questionId: string;
  @ApiProperty() text: string;
}

export class PublishedGroupDto {
  @ApiProperty({ description: 'a team id, "no-team" or "merged"' }) key: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'true: only key and name are given' }) suppressed: boolean;
  @ApiPropertyOptional() respondents?: number;
  @ApiPropertyOptional({ type: [PublishedQuestionDto] }) questions?: PublishedQuestionDto[];
  @ApiPropertyOptional({ type: [CommentDto], description: 'absent in trends' })
  comments?: CommentDto[];
}

/** A closed round's results as trends lists them: no comments. */
export class TrendsRoundDto {
  @ApiProperty() roundId: string;
  @ApiProperty({ description: 'the anonymity threshold applied' }) k: number;
  @ApiProperty({ description: 'the whole round is below k: nothing else is shown' })
  suppressed: boolean;
  @ApiPropertyOptional() respondents?: number;
  @ApiProperty({ type: [PublishedQuestionDto] }) questions: PublishedQuestionDto[];
  @ApiPropertyOptional({ type: [PublishedGroupDto], description: 'with groupBy=team' })
  groups?: PublishedGroupDto[];
  @ApiProperty({ enum: ['closed'] }) status: 'closed';
  @ApiProperty() openedAt: string;
  @ApiProperty() closedAt: string;
  @ApiProperty({ type: ParticipationDto }) participation: ParticipationDto;
}

export class RoundResultsDto extends TrendsRoundDto {
  @ApiProperty({ type: [CommentDto], description: 'shuffled on every request; [] below k' })
  comments: CommentDto[];
}

export class TrendsDto {
  @ApiProperty() surveyId: string;
  @ApiProperty() title: string;
  @ApiProperty({ type: [TrendsRoundDto], description: 'closed rounds, oldest first' })
  rounds: TrendsRoundDto[];
}

export class RemindedDto {
  @ApiProperty({ description: 'people who had not answered and were reminded now' })
  reminded: number;
}
