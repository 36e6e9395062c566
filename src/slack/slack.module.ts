import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { PeopleModule } from '../people/people.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { SlackBoltService } from './slack-bolt.service';
import { SlackInstallationService } from './slack-installation.service';
import { SlackManifestController } from './slack-manifest.controller';
import { SlackOAuthController } from './slack-oauth.controller';

/** Slack infrastructure: Bolt at /slack/events, OAuth install and connect, the manifest. */
@Module({
  imports: [DiscoveryModule, WorkspacesModule, PeopleModule],
  controllers: [SlackOAuthController, SlackManifestController],
  providers: [SlackBoltService, SlackInstallationService],
  exports: [SlackBoltService, SlackInstallationService],
})
export class SlackModule {}
