import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ApiErrors } from '../common/api-responses';
import { CreatedTokenDto, CreateTokenDto, TokenDto, toTokenDto } from './dto/token.dto';
import { TokensService } from './tokens.service';

@ApiTags('tokens')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Roles('admin')
@Controller('api/tokens')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedTokenDto })
  @ApiErrors(400)
  async create(
    @CurrentPrincipal() p: Principal,
    @Body() body: CreateTokenDto,
  ): Promise<CreatedTokenDto> {
    const { token, secret } = await this.tokens.create(p.workspaceId, body);
    return { id: token.id, token: secret };
  }

  @Get()
  @ApiOkResponse({ type: [TokenDto] })
  async list(@CurrentPrincipal() p: Principal): Promise<TokenDto[]> {
    return (await this.tokens.list(p.workspaceId)).map(toTokenDto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'the token no longer works' })
  @ApiErrors(400, 404)
  delete(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.tokens.delete(p.workspaceId, id);
  }
}
