import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ApiErrors } from '../common/api-responses';
import { OpenedRoundDto, ResultsQueryDto, RoundDto, TrendsQueryDto } from './dto/round.dto';
import { RemindedDto, RoundResultsDto, TrendsDto } from './dto/results.dto';
import { SurveyDto, SurveyTemplateDto } from './dto/survey-response.dto';
import { CreateSurveyDto } from './dto/survey.dto';
import { PulseService } from './pulse.service';
import { resultsCsv } from './result-building/results-csv';

/** Surveys, rounds and results over HTTP; every decision is in the services. */
@ApiTags('pulse')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Controller('api')
export class PulseController {
  constructor(private readonly pulse: PulseService) {}

  @Get('surveys/templates')
  @Roles('hr', 'admin')
  @ApiOkResponse({ type: [SurveyTemplateDto] })
  templates(): readonly SurveyTemplateDto[] {
    return this.pulse.templates();
  }

  @Post('surveys')
  @Roles('hr', 'admin')
  @ApiCreatedResponse({ type: SurveyDto })
  @ApiErrors(400)
  create(@CurrentPrincipal() p: Principal, @Body() body: CreateSurveyDto): Promise<SurveyDto> {
    return this.pulse.createSurvey(p, body);
  }

  @Get('surveys')
  @Roles('hr', 'admin')
  @ApiOkResponse({ type: [SurveyDto] })
  list(@CurrentPrincipal() p: Principal): Promise<SurveyDto[]> {
    return this.pulse.listSurveys(p);
  }

  @Get('surveys/:id')
  @Roles('hr', 'admin')
  @ApiOkResponse({ type: SurveyDto })
  @ApiErrors(400, 404)
  get(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<SurveyDto> {
    return this.pulse.getSurvey(p, id);
  }

  @Post('surveys/:id/rounds')
  @Roles('hr', 'admin')
  @ApiCreatedResponse({ type: OpenedRoundDto })
  @ApiErrors(400, 404, 409)
  open(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<OpenedRoundDto> {
    return this.pulse.openRound(p, id);
  }

  /**
   * Sent as the JSON bytes built once per survey, view, k and team names (see
   * ResultsService.trends), as they are: no serializing or encoding per request.
   */
  @Get('surveys/:id/trends')
  @Roles('lead', 'hr', 'admin')
  @ApiProduces('application/json')
  @ApiOkResponse({ type: TrendsDto, description: 'sent with an ETag; 304 to If-None-Match' })
  @ApiErrors(400, 404)
  async trends(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: TrendsQueryDto,
    @Res() res: Response,
  ): Promise<void> {
    const { body, etag } = await this.pulse.trends(p, id, query);
    res.type('json');
    // Express answers 304 to a matching If-None-Match, and does not hash the body again.
    res.setHeader('ETag', etag);
    res.send(body);
  }

  @Get('rounds/:id')
  @Roles('lead', 'hr', 'admin')
  @ApiOkResponse({ type: RoundDto })
  @ApiErrors(400, 404)
  round(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<RoundDto> {
    return this.pulse.round(p, id);
  }

  @Post('rounds/:id/close')
  @HttpCode(200)
  @Roles('hr', 'admin')
  @ApiOkResponse({ type: RoundDto })
  @ApiErrors(400, 404, 409)
  close(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<RoundDto> {
    return this.pulse.closeRound(p, id);
  }

  @Post('rounds/:id/remind')
  @HttpCode(200)
  @Roles('hr', 'admin')
  @ApiOkResponse({ type: RemindedDto })
  @ApiErrors(400, 404, 409)
  remind(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<RemindedDto> {
    return this.pulse.remind(p, id);
  }

  @Get('rounds/:id/results')
  @Roles('lead', 'hr', 'admin')
  @ApiOkResponse({ type: RoundResultsDto })
  @ApiErrors(400, 404, 409)
  results(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: ResultsQueryDto,
  ): Promise<RoundResultsDto> {
    return this.pulse.results(p, id, query.groupBy);
  }

  @Get('rounds/:id/results.csv')
  @Roles('lead', 'hr', 'admin')
  @ApiProduces('text/csv')
  @ApiOkResponse({ schema: { type: 'string' }, description: 'the results as CSV' })
  @ApiErrors(400, 404, 409)
  @Header('Content-Type', 'text/csv; charset=utf-8')
  async resultsCsv(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: ResultsQueryDto,
  ): Promise<string> {
    return resultsCsv(await this.pulse.results(p, id, query.groupBy));
  }
}
