import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Omittable } from '../../common/omittable';
import type { TeamEntity } from '../team.entity';

export class CreateTeamDto {
  @ApiProperty({ maxLength: 80, example: 'Tier 1 EMEA' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(80)
  name: string;

  @ApiPropertyOptional({
    minimum: 0,
    description: 'agents who must stay on duty (focus coverage guard)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  minOnDuty?: number;
}

export class UpdateTeamDto {
  @ApiPropertyOptional({ maxLength: 80 })
  @Omittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(80)
  name?: string;

  @ApiPropertyOptional({ minimum: 0 })
  @Omittable()
  @IsInt()
  @Min(0)
  @Max(1000)
  minOnDuty?: number;
}

export class TeamDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() minOnDuty: number;
  @ApiProperty() members: number;
}

export function toTeamDto(team: TeamEntity, members: number): TeamDto {
  return { id: team.id, name: team.name, minOnDuty: team.minOnDuty, members };
}
