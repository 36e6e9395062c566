import { Controller, Get, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { SlackSocketStatus } from '../slack/slack-socket-status';
import type { SlackSocketState } from '../slack/socket-mode-supervisor';

export class HealthDto {
  @ApiProperty({ enum: ['ok', 'error'] }) status: 'ok' | 'error';
  @ApiProperty({ enum: ['up', 'down'] }) db: 'up' | 'down';
  @ApiPropertyOptional({
    enum: ['connected', 'connecting', 'disconnected'],
    description: 'Socket Mode only: the connection to Slack. It never makes /health 503.',
  })
  slack?: SlackSocketState;
}

/**
 * Liveness for load balancers: 200 when the database answers, 503 otherwise.
 *
 * In Socket Mode the body also says how the connection to Slack is (`connected`, `connecting`,
 * `disconnected`), but that never makes it 503: the replica still serves the API and the
 * dashboard, it is already reconnecting with backoff, and Slack sends to the app's other open
 * connections meanwhile. Restarting it (what a failing check leads to) would not bring Slack
 * back sooner. Alert on the `slack` field instead.
 */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly socket: SlackSocketStatus,
  ) {}

  @Get()
  @ApiOkResponse({
    type: HealthDto,
    description: '{ status: "ok", db: "up" } (in Socket Mode, with slack: "connected" or other)',
  })
  @ApiServiceUnavailableResponse({
    type: HealthDto,
    description: '{ status: "error", db: "down" }',
  })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthDto> {
    const slack = this.socket.current;
    const withSlack = (body: HealthDto): HealthDto => (slack ? { ...body, slack } : body);
    try {
      await this.health.check([() => this.db.pingCheck('db', { timeout: 2000 })]);
      return withSlack({ status: 'ok', db: 'up' });
    } catch {
      res.status(503);
      return withSlack({ status: 'error', db: 'down' });
    }
  }
}
