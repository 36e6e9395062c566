import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601 } from 'class-validator';
import { DateTime } from 'luxon';

/** The window is snapped outwards to whole ISO weeks (UTC); only weeks that are over are reported. */
export class SummaryQueryDto {
  @ApiProperty({ example: '2026-11-01T00:00:00Z', description: 'without an offset: UTC' })
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date' })
  from: string;

  @ApiProperty({ example: '2026-12-01T00:00:00Z', description: 'without an offset: UTC' })
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date' })
  to: string;
}

/**
 * The instant an ISO 8601 query value names; one without an offset is read in UTC (the zone
 * summary weeks are in), never in the server's own zone. Invalid Date when it names none.
 */
export function instantOf(iso: string): Date {
  const parsed = DateTime.fromISO(iso, { zone: 'utc' });
  return parsed.isValid ? parsed.toJSDate() : new Date(Number.NaN);
}
