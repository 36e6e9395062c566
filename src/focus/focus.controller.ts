import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { FocusSummaryDto } from './dto/focus-summary.dto';
import { instantOf, SummaryQueryDto } from './dto/summary-query.dto';
import { FocusSummaryService } from './focus-summary.service';
import { FocusService } from './focus.service';

/** Presence, not surveillance: who is heads-down now, and per-team weekly aggregates. */
@ApiTags('focus')
@ApiBearerAuth()
@Controller('api/focus')
export class FocusController {
  constructor(
    private readonly focus: FocusService,
    private readonly summaries: FocusSummaryService,
  ) {}

  @Get('now')
  @Roles('lead', 'hr', 'admin')
  now(@CurrentPrincipal() p: Principal) {
    return this.focus.now(p);
  }

  @Get('summary')
  @Roles('lead', 'hr', 'admin')
  @ApiOkResponse({ type: FocusSummaryDto })
  summary(
    @CurrentPrincipal() p: Principal,
    @Query() query: SummaryQueryDto,
  ): Promise<FocusSummaryDto> {
    return this.summaries.summary(p, instantOf(query.from), instantOf(query.to));
  }
}
