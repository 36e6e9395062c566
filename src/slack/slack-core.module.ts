import { Global, Module } from '@nestjs/common';
import { SlackGateway } from './slack-gateway';
import { SlackRateGate } from './slack-rate-gate';
import { SlackSocketStatus } from './slack-socket-status';

/** The Slack Web API gateway, available to every feature service; the Socket Mode state. */
@Global()
@Module({
  providers: [SlackGateway, SlackRateGate, SlackSocketStatus],
  exports: [SlackGateway, SlackRateGate, SlackSocketStatus],
})
export class SlackCoreModule {}
