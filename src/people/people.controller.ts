import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ApiErrors } from '../common/api-responses';
import { PersonDto, SyncResultDto, toPersonDto, UpdatePersonDto } from './dto/person.dto';
import { PeopleService } from './people.service';

@ApiTags('people')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Controller('api/people')
export class PeopleController {
  constructor(private readonly people: PeopleService) {}

  @Post('sync')
  @HttpCode(200)
  @Roles('admin')
  @ApiOkResponse({ type: SyncResultDto })
  @ApiErrors(409, 503)
  sync(@CurrentPrincipal() p: Principal): Promise<SyncResultDto> {
    return this.people.syncNow(p.workspaceId);
  }

  @Get()
  @Roles('lead', 'hr', 'admin')
  @ApiOkResponse({ type: [PersonDto] })
  async list(@CurrentPrincipal() p: Principal): Promise<PersonDto[]> {
    return (await this.people.list(p)).map(toPersonDto);
  }

  @Patch(':slackUserId')
  @Roles('admin')
  @ApiOkResponse({ type: PersonDto })
  @ApiErrors(400, 404)
  async update(
    @CurrentPrincipal() p: Principal,
    @Param('slackUserId') slackUserId: string,
    @Body() body: UpdatePersonDto,
  ): Promise<PersonDto> {
    return toPersonDto(await this.people.assign(p.workspaceId, slackUserId, body));
  }
}
