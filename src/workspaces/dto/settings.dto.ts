import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { Omittable } from '../../common/omittable';
import { ANONYMITY_CEILING, ANONYMITY_FLOOR } from '../../config/config';
import { FOCUS_RETENTION_DAYS } from '../workspaces.service';

const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;

export class UpdateSettingsDto {
  @ApiPropertyOptional({
    minimum: ANONYMITY_FLOOR,
    maximum: ANONYMITY_CEILING,
    description: 'minimum respondents per reported group',
  })
  // A nullable column: null is read as the default.
  @IsOptional()
  @IsInt()
  @Min(ANONYMITY_FLOOR, { message: `anonymityThreshold must be at least ${ANONYMITY_FLOOR}` })
  // Without a ceiling, a value past the column's range was a database error (a 500).
  @Max(ANONYMITY_CEILING, {
    message: `anonymityThreshold must be at most ${ANONYMITY_CEILING}`,
  })
  anonymityThreshold?: number;

  @ApiPropertyOptional({ description: 'new stories wait for an HR lead before they are published' })
  @Omittable()
  @IsBoolean({ message: 'storyModeration must be true or false' })
  storyModeration?: boolean;

  @ApiPropertyOptional({ nullable: true, example: 'C0123456789' })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @Matches(CHANNEL_ID, { message: 'hrChannelId must be a Slack channel id such as C0123456789' })
  hrChannelId?: string | null;

  @ApiPropertyOptional({ nullable: true, example: 'C0123456789' })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @Matches(CHANNEL_ID, {
    message: 'digestChannelId must be a Slack channel id such as C0123456789',
  })
  digestChannelId?: string | null;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 23,
    description: 'local hour of the weekly story prompt (Fridays, in each agent’s time zone)',
  })
  @Omittable()
  @IsInt({ message: 'storyPromptHour must be a whole hour from 0 to 23' })
  @Min(0, { message: 'storyPromptHour must be a whole hour from 0 to 23' })
  @Max(23, { message: 'storyPromptHour must be a whole hour from 0 to 23' })
  storyPromptHour?: number;

  @ApiPropertyOptional({ maxLength: 100 })
  // A nullable column: null is read as the default.
  @IsOptional()
  @MaxLength(100)
  focusStatusText?: string;

  @ApiPropertyOptional({ example: ':no_bell:' })
  // A nullable column: null is read as the default.
  @IsOptional()
  @Matches(/^:[a-z0-9_+-]{1,60}:$/, { message: 'focusStatusEmoji must look like :emoji_name:' })
  focusStatusEmoji?: string;

  @ApiPropertyOptional({
    minimum: FOCUS_RETENTION_DAYS.min,
    maximum: FOCUS_RETENTION_DAYS.max,
    default: FOCUS_RETENTION_DAYS.default,
    description:
      'days ended and cancelled focus blocks are kept; only weekly aggregates stay after',
  })
  @Omittable()
  @IsInt({ message: 'focusRetentionDays must be a whole number of days' })
  @Min(FOCUS_RETENTION_DAYS.min, {
    message: `focusRetentionDays must be at least ${FOCUS_RETENTION_DAYS.min}`,
  })
  @Max(FOCUS_RETENTION_DAYS.max, {
    message: `focusRetentionDays must be at most ${FOCUS_RETENTION_DAYS.max}`,
  })
  focusRetentionDays?: number;
}

export class SettingsDto {
  @ApiProperty() anonymityThreshold: number;
  @ApiProperty() storyModeration: boolean;
  @ApiProperty({ nullable: true, type: String }) hrChannelId: string | null;
  @ApiProperty({ nullable: true, type: String }) digestChannelId: string | null;
  @ApiProperty() storyPromptHour: number;
  @ApiProperty() focusStatusText: string;
  @ApiProperty() focusStatusEmoji: string;
  @ApiProperty() focusRetentionDays: number;
}
