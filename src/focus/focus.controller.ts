import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { SummaryQueryDto } from './dto/summary-query.dto';
import { FocusService } from './focus.service';

/** Presence, not surveillance: who is heads-down now, and per-team weekly aggregates. */
@ApiTags('focus')
@ApiBearerAuth()
@Controller('api/focus')
export class FocusController {
  constructor(private readonly focus: FocusService) {}

  @Get('now')
  @Roles('lead', 'hr', 'admin')
  now(@CurrentPrincipal() p: Principal) {
    return this.focus.now(p);
  }

  @Get('summary')
  @Roles('lead', 'hr', 'admin')
  summary(@CurrentPrincipal() p: Principal, @Query() query: SummaryQueryDto) {
    return this.focus.summary(p, new Date(query.from), new Date(query.to));
  }
}
