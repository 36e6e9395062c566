import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ApiErrors } from '../common/api-responses';
import { FocusNowTeamDto } from './dto/focus-now.dto';
import { FocusSummaryDto } from './dto/focus-summary.dto';
import { instantOf, SummaryQueryDto } from './dto/summary-query.dto';
import { FocusSummaryService } from './focus-summary.service';
import { FocusService } from './focus.service';

/** Presence, not surveillance: who is heads-down now, and per-team weekly aggregates. */
@ApiTags('focus')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Controller('api/focus')
export class FocusController {
  constructor(
    private readonly focusService: FocusService,
    private readonly summaries: FocusSummaryService,
  ) {}

  @Get('now')
  @Roles('lead', 'hr', 'admin')
  @ApiOkResponse({ type: [FocusNowTeamDto] })
  now(@CurrentPrincipal() p: Principal): Promise<FocusNowTeamDto[]> {
    return this.focusService.now(p);
  }

  @Get('summary')
  @Roles('lead', 'hr', 'admin')
  @ApiOkResponse({ type: FocusSummaryDto })
  @ApiErrors(400)
  summary(
    @CurrentPrincipal() p: Principal,
    @Query() query: SummaryQueryDto,
  ): Promise<FocusSummaryDto> {
    return this.summaries.summary(p, instantOf(query.from), instantOf(query.to));
  }
}
