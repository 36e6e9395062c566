import { ApiProperty } from '@nestjs/swagger';

/** Someone heads-down right now, and until when. */
export class FocusingAgentDto {
  @ApiProperty({ example: 'U0123ABCD' }) slackUserId: string;
  @ApiProperty({ example: 'Ada' }) name: string;
  @ApiProperty({ example: '2026-11-23T10:30:00.000Z' }) until: string;
}

/** One team now: who is focusing, and whether those left on duty meet the team's minimum. */
export class FocusNowTeamDto {
  @ApiProperty() teamId: string;
  @ApiProperty({ example: 'Tier 1' }) name: string;
  @ApiProperty({ description: 'active agents in the team' }) members: number;
  @ApiProperty() minOnDuty: number;
  @ApiProperty({ description: 'members not in a focus block now' }) onDuty: number;
  @ApiProperty({ description: 'onDuty ≥ minOnDuty' }) covered: boolean;
  @ApiProperty({ type: [FocusingAgentDto] }) focusing: FocusingAgentDto[];
}
