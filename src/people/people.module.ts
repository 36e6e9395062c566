import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SlackCoreModule } from '../slack/slack-core.module';
import { TeamsModule } from '../teams/teams.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { PeopleController } from './people.controller';
import { PeopleRepository } from './people.repository';
import { PeopleService } from './people.service';
import { PeopleSyncJob } from './jobs/people-sync.job';
import { PersonEntity } from './person.entity';

@Module({
  imports: [
    TypeOrmModule.forFeature([PersonEntity]),
    WorkspacesModule,
    TeamsModule,
    SlackCoreModule,
  ],
  controllers: [PeopleController],
  providers: [PeopleRepository, PeopleService, PeopleSyncJob],
  exports: [PeopleService],
})
export class PeopleModule {}
