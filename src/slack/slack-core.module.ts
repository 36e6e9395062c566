import { Global, Module } from '@nestjs/common';
import { SlackGateway } from './slack-gateway';

/** The Slack Web API gateway, available to every feature service. */
@Global()
@Module({ providers: [SlackGateway], exports: [SlackGateway] })
export class SlackCoreModule {}
