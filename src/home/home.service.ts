/** Gathers what the App Home tab shows for one person, from the pulse and focus services. */
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { FocusService } from '../focus/focus.service';
import type { PersonEntity } from '../people/person.entity';
import { PulseService } from '../pulse/pulse.service';
import { slackConnectUrl } from '../slack/slack-urls';
import { StoriesService } from '../stories/stories.service';
import { StoryPromptsService } from '../stories/story-prompts.service';
import type { ReactionKind } from '../stories/stories.types';
import { HomeData, homeReactActionId } from './home.blocks';

@Injectable()
export class HomeService {
  constructor(
    private readonly pulse: PulseService,
    private readonly focusService: FocusService,
    private readonly stories: StoriesService,
    private readonly prompts: StoryPromptsService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A focus button of the tab: `end` ends or cancels a block, `start` starts the next one now,
   * `quick` focuses from now for some minutes. Returns the tab to publish, with a notice when
   * the coverage guard refused.
   */
  async focusAction(
    slackTeamId: string,
    slackUserId: string,
    action: { kind: 'end' | 'start'; blockId: string } | { kind: 'quick'; minutes: number },
  ): Promise<HomeData | null> {
    const person = await this.focusService.personFor(slackTeamId, slackUserId).catch(() => null);
    if (!person) return null;
    const now = this.clock.now();
    let notice: string | null = null;
    if (action.kind === 'end') {
      const block = await this.focusService.end(person, action.blockId);
      notice = block.state === 'cancelled' ? 'Focus block cancelled.' : null;
    } else {
      const outcome =
        action.kind === 'quick'
          ? await this.focusService.create(person, {
              start: now,
              end: new Date(now.getTime() + action.minutes * 60_000),
              note: null,
              source: 'home',
            })
          : await this.focusService.startNow(person, action.blockId);
      if (outcome.status === 'refused')
        notice = this.focusService.refusalNotice(outcome, person.tz, now);
    }
    return this.homeOf(person, slackTeamId, notice);
  }

  /** A reaction button of the tab: toggles it; the tab is published again with the counts (or the refusal). */
  async storyReaction(
    slackTeamId: string,
    slackUserId: string,
    storyId: string,
    kind: ReactionKind,
  ): Promise<HomeData | null> {
    const person = await this.focusService.personFor(slackTeamId, slackUserId).catch(() => null);
    if (!person) return null;
    let notice: string | null = null;
    try {
      await this.stories.react(person.workspaceId, person.id, storyId, kind);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      notice = err.message;
    }
    return this.homeOf(person, slackTeamId, notice);
  }

  /** The weekly prompt's switch on the tab. */
  async setStoryPrompt(
    slackTeamId: string,
    slackUserId: string,
    on: boolean,
  ): Promise<HomeData | null> {
    const person = await this.focusService.personFor(slackTeamId, slackUserId).catch(() => null);
    if (!person) return null;
    await this.prompts.setOptIn(person, on);
    return this.homeOf(person, slackTeamId, null);
  }

  async homeFor(slackTeamId: string, slackUserId: string): Promise<HomeData | null> {
    const person = await this.focusService.personFor(slackTeamId, slackUserId).catch(() => null);
    return person ? this.homeOf(person, slackTeamId, null) : null;
  }

  private async homeOf(
    person: PersonEntity,
    slackTeamId: string,
    notice: string | null,
  ): Promise<HomeData> {
    const [status, blocks, stories, storyPromptOn] = await Promise.all([
      this.pulse.statusFor(slackTeamId, person.slackUserId),
      this.focusService.upcoming(person),
      this.stories.latest(person.workspaceId),
      this.prompts.isOptedIn(person.id),
    ]);
    let board: HomeData['board'] = null;
    if (person.role === 'lead' && person.teamId) {
      const teams = await this.focusService.now({
        workspaceId: person.workspaceId,
        role: 'lead',
        teamId: person.teamId,
        via: 'session',
      });
      const mine = teams.find((t) => t.teamId === person.teamId);
      if (mine) {
        board = {
          team: mine.name,
          onDuty: mine.onDuty,
          minOnDuty: mine.minOnDuty,
          focusing: mine.focusing.map((f) => ({ name: f.name, until: new Date(f.until) })),
        };
      }
    }
    return {
      timeZone: person.tz,
      now: this.clock.now(),
      openPulses: status?.openRounds ?? [],
      focus: blocks.map((b) => ({
        id: b.id,
        startsAt: b.startsAt,
        endsAt: b.endsAt,
        note: b.note,
      })),
      connected: person.userTokenEnc !== null,
      connectUrl: slackConnectUrl(this.config.publicUrl),
      board,
      stories: this.stories.homeSection(stories, homeReactActionId),
      storyPromptOn,
      notice,
    };
  }
}
