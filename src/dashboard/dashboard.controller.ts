/**
 * The dashboard's pages at `/`, server-rendered. Each handler reads the principal the AuthGuard
 * resolved (session cookie or bearer token), calls one DashboardService method and renders.
 * Roles are the API's: a page that shows what an API route returns needs that route's roles.
 * Writes are forms posting here (CSRF-checked by the guard), then a redirect (303) back.
 */
import {
  Body,
  Controller,
  Get,
  Header,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { SessionRequest } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DomainError } from '../common/errors';
import { DashboardErrorFilter } from './dashboard-error.filter';
import { DashboardService } from './dashboard.service';
import type { NavKey, PageContext } from './views/layout';
import {
  focusPage,
  settingsPage,
  storiesPage,
  surveysPage,
  teamFocusPage,
} from './views/manage.pages';
import { overviewPage } from './views/overview.page';
import { heatmapPage, roundPage } from './views/results.pages';

const HTML = 'text/html; charset=utf-8';
/** Story ids are checked as the stories API checks them. */
const storyId = new ParseUUIDPipe({ version: '4' });

/** Messages after a redirect, by code: nothing the request sent is echoed into the page. */
const FLASH: Record<string, string> = {
  created: 'Survey created. Open its first round when you are ready.',
  opened: 'Round opened: the invited agents are getting their DM.',
  closed: 'Round closed. Its results are on the Overview and Heatmap.',
  reminded: 'Reminder sent to those who have not answered.',
  saved: 'Settings saved.',
  approved: 'Story approved: it is in the feed now.',
  rejected: 'Story rejected: it will not be published.',
  restored: 'Story restored to the feed.',
  removed: 'Story removed from the feed.',
  deleted: 'Story deleted, with its reactions.',
};

function uuidOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
    ? value
    : undefined;
}

function ctx(req: SessionRequest, principal: Principal, current: NavKey): PageContext {
  return { principal, csrfToken: req.csrfToken ?? '', current };
}

@ApiExcludeController()
@UseFilters(DashboardErrorFilter)
@Controller()
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get()
  @Roles('lead', 'hr', 'admin')
  @Header('Content-Type', HTML)
  async overview(
    @Req() req: SessionRequest,
    @CurrentPrincipal() p: Principal,
    @Query('survey') survey?: string,
  ): Promise<string> {
    const data = await this.dashboard.overview(p, uuidOrUndefined(survey));
    return overviewPage(ctx(req, p, 'overview'), data);
  }

  @Get('heatmap')
  @Roles('lead', 'hr', 'admin')
  @Header('Content-Type', HTML)
  async heatmap(
    @Req() req: SessionRequest,
    @CurrentPrincipal() p: Principal,
    @Query('round') round?: string,
  ): Promise<string> {
    return heatmapPage(
      ctx(req, p, 'heatmap'),
      await this.dashboard.heatmap(p, uuidOrUndefined(round)),
    );
  }

  @Get('rounds/:id')
  @Roles('lead', 'hr', 'admin')
  @Header('Content-Type', HTML)
  async round(
    @Req() req: SessionRequest,
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<string> {
    return roundPage(ctx(req, p, 'round'), await this.dashboard.round(p, id));
  }

  @Get('surveys')
  @Roles('hr', 'admin')
  @Header('Content-Type', HTML)
  async surveys(
    @Req() req: SessionRequest,
    @CurrentPrincipal() p: Principal,
    @Query('done') done?: string,
  ): Promise<string> {
    return surveysPage(
      ctx(req, p, 'surveys'),
      await this.dashboard.surveys(p),
      done ? FLASH[done] : undefined,
    );
  }

  @Post('surveys')
  @Roles('hr', 'admin')
  async createSurvey(
    @CurrentPrincipal() p: Principal,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    await this.dashboard.createFromTemplate(
      p,
      typeof body.template === 'string' ? body.template : '',
      typeof body.title === 'string' ? body.title : '',
    );
    res.redirect(303, '/surveys?done=created');
  }

  @Post('surveys/:id/rounds')
  @Roles('hr', 'admin')
  async openRound(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.dashboard.openRound(p, id);
    res.redirect(303, '/surveys?done=opened');
  }

  @Post('rounds/:id/close')
  @Roles('hr', 'admin')
  async closeRound(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.dashboard.closeRound(p, id);
    res.redirect(303, '/surveys?done=closed');
  }

  @Post('rounds/:id/remind')
  @Roles('hr', 'admin')
  async remind(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.dashboard.remind(p, id);
    res.redirect(303, '/surveys?done=reminded');
  }

  @Get('stories')
  @Roles('hr', 'admin')
  @Header('Content-Type', HTML)
  async stories(
    @Req() req: SessionRequest,
    @CurrentPrincipal() p: Principal,
    @Query() query: Record<string, unknown>,
  ): Promise<string> {
    const done = typeof query.done === 'string' ? FLASH[query.done] : undefined;
    return storiesPage(ctx(req, p, 'stories'), await this.dashboard.storiesView(p, query), done);
  }

  /** POST /api/stories/:id/approve's roles: approves a pending story, restores a reported one. */
  @Post('stories/:id/approve')
  @Roles('hr', 'admin')
  async approveStory(
    @CurrentPrincipal() p: Principal,
    @Param('id', storyId) id: string,
    @Res() res: Response,
  ): Promise<void> {
    const outcome = await this.dashboard.reviewStory(p, id, 'approve');
    res.redirect(303, `/stories?done=${outcome}`);
  }

  /** POST /api/stories/:id/reject's roles: rejects a pending story, removes a reported one. */
  @Post('stories/:id/reject')
  @Roles('hr', 'admin')
  async rejectStory(
    @CurrentPrincipal() p: Principal,
    @Param('id', storyId) id: string,
    @Res() res: Response,
  ): Promise<void> {
    const outcome = await this.dashboard.reviewStory(p, id, 'reject');
    res.redirect(303, `/stories?done=${outcome}`);
  }

  /** DELETE /api/stories/:id's role: admins only. */
  @Post('stories/:id/delete')
  @Roles('admin')
  async deleteStory(
    @CurrentPrincipal() p: Principal,
    @Param('id', storyId) id: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.dashboard.deleteStory(p, id);
    res.redirect(303, '/stories?done=deleted');
  }

  @Get('focus')
  @Roles('lead', 'hr', 'admin')
  @Header('Content-Type', HTML)
  async focus(@Req() req: SessionRequest, @CurrentPrincipal() p: Principal): Promise<string> {
    return focusPage(ctx(req, p, 'focus'), await this.dashboard.focusNow(p));
  }

  @Get('focus/teams/:id')
  @Roles('lead', 'hr', 'admin')
  @Header('Content-Type', HTML)
  async teamFocus(
    @Req() req: SessionRequest,
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<string> {
    return teamFocusPage(ctx(req, p, 'focus'), await this.dashboard.teamFocus(p, id));
  }

  @Get('settings')
  @Roles('hr', 'admin')
  @Header('Content-Type', HTML)
  async settings(
    @Req() req: SessionRequest,
    @CurrentPrincipal() p: Principal,
    @Query('done') done?: string,
  ): Promise<string> {
    return settingsPage(
      ctx(req, p, 'settings'),
      await this.dashboard.settings(p),
      done ? FLASH[done] : undefined,
    );
  }

  /** The form's fields as PATCH /api/settings takes them; admin only, as there. */
  @Post('settings')
  @Roles('admin')
  async saveSettings(
    @Req() req: SessionRequest,
    @CurrentPrincipal() p: Principal,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const text = (name: string) => (typeof body[name] === 'string' ? body[name].trim() : '');
    // A whole number as a number; anything else as typed, so the validator names the field.
    const whole = (name: string) => (/^\d+$/.test(text(name)) ? Number(text(name)) : text(name));
    const patch = {
      anonymityThreshold: whole('anonymityThreshold'),
      storyPromptHour: whole('storyPromptHour'),
      focusRetentionDays: whole('focusRetentionDays'),
      storyModeration: body.storyModeration === 'on',
      hrChannelId: text('hrChannelId') || null,
      digestChannelId: text('digestChannelId') || null,
      focusStatusText: text('focusStatusText'),
      focusStatusEmoji: text('focusStatusEmoji'),
    };
    try {
      await this.dashboard.updateSettings(p, patch);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'validation_failed') {
        const current = await this.dashboard.settings(p);
        res
          .status(400)
          .type('html')
          .send(settingsPage(ctx(req, p, 'settings'), current, undefined, err.message));
        return;
      }
      throw err;
    }
    res.redirect(303, '/settings?done=saved');
  }
}
