import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601 } from 'class-validator';

export class SummaryQueryDto {
  @ApiProperty({ example: '2026-11-01T00:00:00Z' })
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date' })
  from: string;

  @ApiProperty({ example: '2026-12-01T00:00:00Z' })
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date' })
  to: string;
}
