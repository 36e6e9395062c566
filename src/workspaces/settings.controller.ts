import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ApiErrors } from '../common/api-responses';
import { SettingsDto, UpdateSettingsDto } from './dto/settings.dto';
import { WorkspacesService } from './workspaces.service';

@ApiTags('settings')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Controller('api/settings')
export class SettingsController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @Get()
  @Roles('hr', 'admin')
  @ApiOkResponse({ type: SettingsDto })
  get(@CurrentPrincipal() principal: Principal): Promise<SettingsDto> {
    return this.workspaces.getSettings(principal.workspaceId);
  }

  @Patch()
  @Roles('admin')
  @ApiOkResponse({ type: SettingsDto })
  @ApiErrors(400)
  update(
    @CurrentPrincipal() principal: Principal,
    @Body() body: UpdateSettingsDto,
  ): Promise<SettingsDto> {
    return this.workspaces.updateSettings(principal.workspaceId, body);
  }
}
