import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { ApiTokenEntity, TOKEN_ROLES, type TokenRole } from '../api-token.entity';

export class CreateTokenDto {
  @ApiProperty({ maxLength: 100, example: 'dashboard export' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ enum: TOKEN_ROLES })
  @IsIn(TOKEN_ROLES, { message: `role must be one of ${TOKEN_ROLES.join(', ')}` })
  role: TokenRole;

  @ApiPropertyOptional({ description: 'required for lead tokens: the team they may read' })
  @IsOptional()
  @IsUUID()
  teamId?: string;
}

export class TokenDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: TOKEN_ROLES }) role: TokenRole;
  @ApiProperty({ nullable: true, type: String }) teamId: string | null;
  @ApiProperty({ description: 'the first characters of the secret' }) prefix: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt: string | null;
}

export class CreatedTokenDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'shown once; store it now' }) token: string;
}

export function toTokenDto(token: ApiTokenEntity): TokenDto {
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    teamId: token.teamId,
    prefix: token.tokenPrefix,
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
  };
}
