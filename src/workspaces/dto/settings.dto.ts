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
import { ANONYMITY_FLOOR } from '../../config/config';

const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;

export class UpdateSettingsDto {
  @ApiPropertyOptional({
    minimum: ANONYMITY_FLOOR,
    description: 'minimum respondents per reported group',
  })
  @IsOptional()
  @IsInt()
  @Min(ANONYMITY_FLOOR, { message: `anonymityThreshold must be at least ${ANONYMITY_FLOOR}` })
  anonymityThreshold?: number;

  @ApiPropertyOptional({ description: 'new stories wait for an HR lead before they are published' })
  @IsOptional()
  @IsBoolean()
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
  @IsOptional()
  @IsInt({ message: 'storyPromptHour must be a whole hour from 0 to 23' })
  @Min(0, { message: 'storyPromptHour must be a whole hour from 0 to 23' })
  @Max(23, { message: 'storyPromptHour must be a whole hour from 0 to 23' })
  storyPromptHour?: number;

  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @MaxLength(100)
  focusStatusText?: string;

  @ApiPropertyOptional({ example: ':no_bell:' })
  @IsOptional()
  @Matches(/^:[a-z0-9_+-]{1,60}:$/, { message: 'focusStatusEmoji must look like :emoji_name:' })
  focusStatusEmoji?: string;
}

export class SettingsDto {
  @ApiProperty() anonymityThreshold: number;
  @ApiProperty() storyModeration: boolean;
  @ApiProperty({ nullable: true, type: String }) hrChannelId: string | null;
  @ApiProperty({ nullable: true, type: String }) digestChannelId: string | null;
  @ApiProperty() storyPromptHour: number;
  @ApiProperty() focusStatusText: string;
  @ApiProperty() focusStatusEmoji: string;
}
