import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsUUID, ValidateIf } from 'class-validator';
import { Omittable } from '../../common/omittable';
import { PersonEntity, ROLES, type Role } from '../person.entity';

export class UpdatePersonDto {
  @ApiPropertyOptional({ nullable: true, description: 'null removes the person from their team' })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsUUID(undefined, { message: 'teamId must be a team id (UUID) or null' })
  teamId?: string | null;

  @ApiPropertyOptional({ enum: ROLES })
  @Omittable()
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role?: Role;
}

export class PersonDto {
  @ApiProperty() slackUserId: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) realName: string | null;
  @ApiProperty({ nullable: true, type: String }) teamId: string | null;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ example: 'Europe/Paris' }) timeZone: string;
  @ApiProperty() active: boolean;
  @ApiProperty({
    description: 'the person connected their Slack account, so focus can set their status',
  })
  slackStatusConnected: boolean;
}

export class SyncResultDto {
  @ApiProperty() pages: number;
  @ApiProperty() created: number;
  @ApiProperty() updated: number;
  @ApiProperty() unchanged: number;
  @ApiProperty() deactivated: number;
  @ApiProperty() skipped: number;
}

export function toPersonDto(person: PersonEntity): PersonDto {
  return {
    slackUserId: person.slackUserId,
    name: person.name,
    realName: person.realName,
    teamId: person.teamId,
    role: person.role,
    timeZone: person.tz,
    active: person.active,
    slackStatusConnected: person.userTokenEnc !== null,
  };
}
