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
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { FeedPageDto, FeedQueryDto, ReactedDto, ReactionDto, ReviewedDto } from './dto/stories.dto';
import { StoriesService } from './stories.service';

const uuid = new ParseUUIDPipe({ version: '4' });

/** The story feed over HTTP; every decision is in StoriesService. */
@ApiTags('stories')
@ApiBearerAuth()
@Controller('api/stories')
export class StoriesController {
  constructor(private readonly stories: StoriesService) {}

  @Get()
  @ApiOkResponse({ type: FeedPageDto })
  feed(@CurrentPrincipal() p: Principal, @Query() query: FeedQueryDto): Promise<FeedPageDto> {
    return this.stories.feed(p, { ...query, limit: query.limit ? Number(query.limit) : undefined });
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Roles('hr', 'admin')
  @ApiOkResponse({ type: ReviewedDto })
  approve(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<ReviewedDto> {
    return this.review(p, id, 'approve');
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Roles('hr', 'admin')
  @ApiOkResponse({ type: ReviewedDto })
  reject(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<ReviewedDto> {
    return this.review(p, id, 'reject');
  }

  private async review(p: Principal, id: string, decision: 'approve' | 'reject') {
    const { story, outcome } = await this.stories.decide(
      { workspaceId: p.workspaceId, slackUserId: null },
      id,
      decision,
    );
    return { id: story.id, status: story.status, outcome };
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('admin')
  remove(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<void> {
    return this.stories.remove(p, id);
  }

  @Post(':id/reactions')
  @HttpCode(200)
  @ApiOkResponse({ type: ReactedDto })
  react(
    @CurrentPrincipal() p: Principal,
    @Param('id', uuid) id: string,
    @Body() body: ReactionDto,
  ): Promise<ReactedDto> {
    return this.stories.reactAsPrincipal(p, id, body.kind);
  }

  @Post(':id/report')
  @HttpCode(200)
  report(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string) {
    return this.stories.reportAsPrincipal(p, id);
  }
}
