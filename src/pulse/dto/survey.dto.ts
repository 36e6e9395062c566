import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import type { QuestionKind, SurveySchedule } from '../pulse.types';

export const QUESTION_KINDS: QuestionKind[] = ['scale5', 'enps', 'text', 'choice'];

export class QuestionDto {
  @ApiPropertyOptional({
    description: 'stable id; generated from the position when absent',
    example: 'workload',
  })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/, {
    message: 'questions.id must be lowercase letters, digits and dashes (max 64)',
  })
  id?: string;

  @ApiProperty({ enum: QUESTION_KINDS })
  @IsIn(QUESTION_KINDS, { message: `questions.kind must be one of ${QUESTION_KINDS.join(', ')}` })
  kind: QuestionKind;

  @ApiProperty({ maxLength: 300, example: 'My workload this week was manageable' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  prompt: string;

  @ApiPropertyOptional({ type: [String], description: 'choice questions: 2 to 20 options' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(70, { each: true })
  options?: string[];
}

export class ScheduleDto implements SurveySchedule {
  @ApiProperty({ example: 'FREQ=WEEKLY;BYDAY=TH', description: 'RFC 5545 recurrence rule' })
  @IsString()
  @MaxLength(500)
  rrule: string;

  @ApiProperty({ example: '15:00', description: 'local time in each agent’s own time zone' })
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'schedule.localTime must be HH:mm (24h)' })
  localTime: string;
}

export class CreateSurveyDto {
  @ApiProperty({ maxLength: 120, example: 'Weekly pulse' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(120)
  title: string;

  @ApiProperty({ type: [QuestionDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => QuestionDto)
  questions: QuestionDto[];

  @ApiPropertyOptional({
    description: 'ask this many of the bank per round, rotating; default all',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  questionsPerRound?: number;

  @ApiPropertyOptional({ type: [String], description: 'default: every agent' })
  @IsOptional()
  @IsArray()
  @IsUUID(undefined, { each: true })
  audienceTeamIds?: string[];

  @ApiPropertyOptional({ type: ScheduleDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ScheduleDto)
  schedule?: ScheduleDto;

  @ApiPropertyOptional({ default: 72 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(720)
  windowHours?: number;

  @ApiPropertyOptional({ description: 'one reminder to non-responders after this many hours' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(719)
  reminderAfterHours?: number;
}
