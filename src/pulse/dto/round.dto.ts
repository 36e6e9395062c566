import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';
import type { RoundEntity } from '../entities/round.entity';
import type { SurveyEntity } from '../entities/survey.entity';
import type { SurveySchedule } from '../pulse.types';
import type { Participation } from '../rounds.service';
import type { SurveyDto } from './survey-response.dto';

export class ResultsQueryDto {
  @ApiPropertyOptional({ enum: ['team'] })
  @IsOptional()
  @IsIn(['team'], { message: 'groupBy must be "team"' })
  groupBy?: 'team';
}

export class TrendsQueryDto extends ResultsQueryDto {
  @ApiPropertyOptional({ description: 'rounds opened at or after this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date' })
  from?: string;

  @ApiPropertyOptional({ description: 'rounds opened at or before this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date' })
  to?: string;
}

export class ParticipationDto {
  @ApiProperty() invited: number;
  @ApiProperty() responded: number;
  @ApiProperty({ description: 'responded / invited, 0..1' }) rate: number;
}

export class RoundDto {
  @ApiProperty() id: string;
  @ApiProperty() surveyId: string;
  @ApiProperty({ enum: ['open', 'closed'] }) status: string;
  @ApiProperty() openedAt: string;
  @ApiProperty() closesAt: string;
  @ApiProperty({ nullable: true, type: String }) closedAt: string | null;
  @ApiProperty({ description: 'the anonymity threshold in force' }) k: number;
  @ApiProperty({ type: [String] }) questionIds: string[];
  @ApiProperty() reminderSent: boolean;
  @ApiProperty({
    type: ParticipationDto,
    description: 'live while open; for a team lead, their own team only',
  })
  participation: ParticipationDto;
  @ApiProperty({
    description: 'ballots that failed authentication at close (a count; never their content)',
  })
  invalidBallots: number;
}

export class OpenedRoundDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'people invited (each gets a DM)' }) invited: number;
}

export function toRoundDto(round: RoundEntity, participation: Participation, k: number): RoundDto {
  return {
    id: round.id,
    surveyId: round.surveyId,
    status: round.status,
    openedAt: round.openedAt.toISOString(),
    closesAt: round.closesAt.toISOString(),
    closedAt: round.closedAt?.toISOString() ?? null,
    k,
    questionIds: round.questions.map((q) => q.id),
    reminderSent: round.reminderSentAt !== null,
    participation,
    invalidBallots: round.invalidBallots ?? 0,
  };
}

function scheduleOf(survey: SurveyEntity): SurveySchedule | null {
  return survey.scheduleRrule && survey.scheduleLocalTime
    ? { rrule: survey.scheduleRrule, localTime: survey.scheduleLocalTime }
    : null;
}

export function toSurveyDto(survey: SurveyEntity, rounds: RoundDto[]): SurveyDto {
  return {
    id: survey.id,
    title: survey.title,
    questions: survey.questions,
    questionsPerRound: survey.questionsPerRound,
    audienceTeamIds: survey.audienceTeamIds,
    schedule: scheduleOf(survey),
    windowHours: survey.windowHours,
    reminderAfterHours: survey.reminderAfterHours,
    createdAt: survey.createdAt.toISOString(),
    rounds,
  };
}
