import { Global, Module } from '@nestjs/common';
import { SlackGateway } from './slack-gateway';
import { SlackRateGate } from './slack-rate-gate';

/** The Slack Web API gateway, available to every feature service. */
@Global()
@Module({ providers: [SlackGateway, SlackRateGate], exports: [SlackGateway, SlackRateGate] })
export class SlackCoreModule {}
