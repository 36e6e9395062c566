import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ApiErrors } from '../common/api-responses';
import { CreateTeamDto, TeamDto, toTeamDto, UpdateTeamDto } from './dto/team.dto';
import { TeamsService } from './teams.service';

@ApiTags('teams')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Controller('api/teams')
export class TeamsController {
  constructor(private readonly teams: TeamsService) {}

  @Post()
  @Roles('admin')
  @ApiCreatedResponse({ type: TeamDto })
  @ApiErrors(400, 409)
  async create(@CurrentPrincipal() p: Principal, @Body() body: CreateTeamDto): Promise<TeamDto> {
    return toTeamDto(await this.teams.create(p.workspaceId, body), 0);
  }

  @Get()
  @Roles('lead', 'hr', 'admin')
  @ApiOkResponse({ type: [TeamDto] })
  async list(@CurrentPrincipal() p: Principal): Promise<TeamDto[]> {
    return (await this.teams.listFor(p)).map((v) => toTeamDto(v.team, v.members));
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOkResponse({ type: TeamDto })
  @ApiErrors(400, 404, 409)
  async update(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateTeamDto,
  ): Promise<TeamDto> {
    const view = await this.teams.update(p.workspaceId, id, body);
    return toTeamDto(view.team, view.members);
  }
}
