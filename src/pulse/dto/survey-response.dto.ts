import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { QuestionKind } from '../pulse.types';
import { RoundDto } from './round.dto';
import { QUESTION_KINDS, ScheduleDto } from './survey.dto';

/** A question as stored: its id is always set (generated from the position when not given). */
export class QuestionDefDto {
  @ApiProperty({ example: 'workload' }) id: string;
  @ApiProperty({ enum: QUESTION_KINDS }) kind: QuestionKind;
  @ApiProperty() prompt: string;
  @ApiPropertyOptional({ type: [String], description: 'choice questions only' })
  options?: string[];
}

export class SurveyDto {
  @ApiProperty() id: string;
  @ApiProperty() title: string;
  @ApiProperty({ type: [QuestionDefDto] }) questions: QuestionDefDto[];
  @ApiProperty({ nullable: true, type: Number, description: 'null: every question each round' })
  questionsPerRound: number | null;
  @ApiProperty({ nullable: true, type: [String], description: 'null: every agent' })
  audienceTeamIds: string[] | null;
  @ApiProperty({ nullable: true, type: ScheduleDto, description: 'null: rounds open on demand' })
  schedule: ScheduleDto | null;
  @ApiProperty() windowHours: number;
  @ApiProperty({ nullable: true, type: Number }) reminderAfterHours: number | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: [RoundDto], description: 'oldest first' }) rounds: RoundDto[];
}

export class SurveyTemplateDto {
  @ApiProperty({ example: 'weekly-pulse' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: [QuestionDefDto] }) questions: QuestionDefDto[];
  @ApiProperty({ description: 'rotating (non-text) questions one round asks' })
  questionsPerRound: number;
  @ApiProperty({ nullable: true, type: ScheduleDto }) suggestedSchedule: ScheduleDto | null;
}
