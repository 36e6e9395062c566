import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * One team in one week. A suppressed group (fewer than k people took focus in it) carries only
 * its team and `suppressed: true`: no figure, not even how many people it holds.
 */
export class FocusSummaryGroupDto {
  @ApiProperty({ nullable: true, type: String, description: 'null: people without a team' })
  teamId: string | null;

  @ApiProperty({ example: 'Tier 1' })
  team: string;

  @ApiProperty()
  suppressed: boolean;

  @ApiPropertyOptional({ description: 'distinct people who took focus in the week (≥ k)' })
  people?: number;

  @ApiPropertyOptional({ example: 12.5 })
  focusHours?: number;

  @ApiPropertyOptional({ description: 'blocks started in the week' })
  blocks?: number;

  @ApiPropertyOptional({ description: 'requests refused by the coverage guard in the week' })
  refused?: number;
}

export class FocusSummaryWeekDto {
  @ApiProperty({ example: '2026-W48', description: 'ISO week, in UTC' })
  week: string;

  @ApiProperty({ example: '2026-11-23T00:00:00.000Z' })
  from: string;

  @ApiProperty({ example: '2026-11-30T00:00:00.000Z' })
  to: string;

  @ApiProperty({ type: [FocusSummaryGroupDto] })
  teams: FocusSummaryGroupDto[];
}

export class FocusSummaryDto {
  @ApiProperty({ description: 'the window reported: snapped to whole weeks, ended weeks only' })
  from: string;

  @ApiProperty()
  to: string;

  @ApiProperty({ description: 'the anonymity threshold applied' })
  k: number;

  @ApiProperty({ type: [FocusSummaryWeekDto] })
  weeks: FocusSummaryWeekDto[];
}
