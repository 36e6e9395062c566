import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ApiErrors } from '../common/api-responses';
import {
  FeedPageDto,
  FeedQueryDto,
  ReactedDto,
  ReactionDto,
  ReportedDto,
  ReviewedDto,
} from './dto/stories.dto';
import { StoriesService } from './stories.service';

const uuid = new ParseUUIDPipe({ version: '4' });

/** The story feed over HTTP; every decision is in StoriesService. */
@ApiTags('stories')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Controller('api/stories')
export class StoriesController {
  constructor(private readonly stories: StoriesService) {}

  @Get()
  @ApiOkResponse({ type: FeedPageDto })
  @ApiErrors(400)
  feed(@CurrentPrincipal() p: Principal, @Query() query: FeedQueryDto): Promise<FeedPageDto> {
    return this.stories.feed(p, { ...query, limit: query.limit ? Number(query.limit) : undefined });
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Roles('hr', 'admin')
  @ApiOkResponse({ type: ReviewedDto })
  @ApiErrors(400, 404, 409)
  approve(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<ReviewedDto> {
    return this.review(p, id, 'approve');
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Roles('hr', 'admin')
  @ApiOkResponse({ type: ReviewedDto })
  @ApiErrors(400, 404, 409)
  reject(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<ReviewedDto> {
    return this.review(p, id, 'reject');
  }

  private async review(p: Principal, id: string, decision: 'approve' | 'reject') {
    const { story, outcome } = await this.stories.decideAsPrincipal(p, id, decision, 'api');
    return { id: story.id, status: story.status, outcome };
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('admin')
  @ApiNoContentResponse({ description: 'the story is gone' })
  @ApiErrors(400, 404)
  remove(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<void> {
    return this.stories.remove(p, id);
  }

  @Post(':id/reactions')
  @HttpCode(200)
  @ApiOkResponse({ type: ReactedDto })
  @ApiErrors(400, 404, 409)
  react(
    @CurrentPrincipal() p: Principal,
    @Param('id', uuid) id: string,
    @Body() body: ReactionDto,
  ): Promise<ReactedDto> {
    return this.stories.reactAsPrincipal(p, id, body.kind);
  }

  @Post(':id/report')
  @HttpCode(200)
  @ApiOkResponse({ type: ReportedDto, description: 'hidden until HR reviews it' })
  @ApiErrors(400, 404)
  report(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<ReportedDto> {
    return this.stories.reportAsPrincipal(p, id);
  }
}
