import { aRound } from '../../test/support/pulse-fakes';
import type { Principal } from '../auth/principal';
import { DomainError } from '../common/errors';
import type { AppConfig } from '../config/config';
import type { SlackRateGate } from '../slack/slack-rate-gate';
import type { TeamsService } from '../teams/teams.service';
import type { WorkspacesService } from '../workspaces/workspaces.service';
import type { ClosedRoundFigures, ClosedRoundFiguresCache } from './closed-round-figures.cache';
import type { RoundEntity } from './entities/round.entity';
import { ResultsService } from './results.service';
import { RoundsService } from './rounds.service';
import type { RoundsRepository } from './rounds.repository';
import type { PulseNotifier } from './slack/pulse.notifier';
import type { RoundMessenger } from './slack/round-messenger';
import type { SurveysService } from './surveys.service';

const ALPHA = '00000000-0000-4000-8000-0000000000a1';
const BRAVO = '00000000-0000-4000-8000-0000000000b2';

/** A closed round answered by 6 in alpha and 3 in bravo, every one scoring 4 of 5. */
function figures(): ClosedRoundFigures {
  return {
    respondents: 9,
    counts: { q1: { '4': 9 } },
    comments: [{ questionId: 'q1', text: 'fine' }],
    groups: [
      { teamId: ALPHA, respondents: 6, counts: { q1: { '4': 6 } }, comments: [] },
      { teamId: BRAVO, respondents: 3, counts: { q1: { '4': 3 } }, comments: [] },
    ],
    mergedTeams: [],
    participation: { invited: 12, responded: 9, rate: 0.75 },
  };
}

describe('ResultsService', () => {
  const hr: Principal = { workspaceId: 'w1', role: 'hr', teamId: null, via: 'token' };
  const lead: Principal = { workspaceId: 'w1', role: 'lead', teamId: ALPHA, via: 'token' };

  function setup(round: Partial<RoundEntity> = {}, workspaceThreshold = 5) {
    const stored = aRound({
      status: 'closed',
      closedAt: new Date('2026-11-28T09:00:00Z'),
      k: 5,
      ...round,
    });
    const settings = { anonymityThreshold: workspaceThreshold };
    const roundsRepository = {
      findInWorkspace: async (w: string, id: string) =>
        w === stored.workspaceId && id === stored.id ? stored : null,
      findById: async (id: string) => (id === stored.id ? stored : null),
      listForSurveys: async () => [stored],
      teamParticipation: async () => new Map([[stored.id, { invited: 7, responded: 6 }]]),
    };
    const workspaces = { getSettings: async () => settings };
    const rounds = new RoundsService(
      roundsRepository as unknown as RoundsRepository,
      workspaces as unknown as WorkspacesService,
    );
    const messenger = {
      context: async () => ({
        workspace: { hrChannelId: 'CHR' },
        botToken: 'xoxb',
        survey: { title: 'Weekly pulse' },
        k: Math.max(stored.k, settings.anonymityThreshold),
      }),
    };
    const notifier = { postHrSummary: jest.fn(async () => undefined) };
    const gate = {
      paced: async <T>(_w: string, _m: string[], call: () => Promise<T>) => call(),
    };
    const service = new ResultsService(
      rounds,
      { get: async () => ({ id: 's1', title: 'Weekly pulse' }) } as unknown as SurveysService,
      { of: async () => new Map([[stored.id, figures()]]) } as unknown as ClosedRoundFiguresCache,
      {
        namesIn: async () =>
          new Map([
            [ALPHA, 'Alpha'],
            [BRAVO, 'Bravo'],
          ]),
      } as unknown as TeamsService,
      messenger as unknown as RoundMessenger,
      notifier as unknown as PulseNotifier,
      workspaces as unknown as WorkspacesService,
      { publicUrl: 'https://pulse.example' } as AppConfig,
      gate as unknown as SlackRateGate,
    );
    return { service, notifier, settings };
  }

  it('refuses the results of an open round with a conflict', async () => {
    const { service } = setup({ status: 'open', closedAt: null });
    const err = await service.roundResults(hr, 'r1', undefined).catch((e: DomainError) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('conflict');
  });

  it('does not find a round of another workspace', async () => {
    const { service } = setup({ workspaceId: 'w2' });
    const err = await service.roundResults(hr, 'r1', undefined).catch((e: DomainError) => e);
    expect((err as DomainError).code).toBe('not_found');
  });

  it('shows the team of 6 and hides the team of 3 (and so its complement) at k = 5', async () => {
    const { service } = setup();
    const results = await service.roundResults(hr, 'r1', 'team');
    expect(results.k).toBe(5);
    expect(results.respondents).toBe(9);
    const byName = Object.fromEntries(results.groups!.map((g) => [g.name, g]));
    expect(byName.Bravo).toEqual({ key: BRAVO, name: 'Bravo', suppressed: true });
    // Alpha alone would give Bravo away by differencing with the total: both are hidden.
    expect(byName.Alpha.suppressed).toBe(true);
  });

  it('hides everything once the workspace raised k above the round’s respondents', async () => {
    const { service } = setup({ k: 5 }, 10);
    const results = await service.roundResults(hr, 'r1', undefined);
    expect(results).toMatchObject({ k: 10, suppressed: true, questions: [], comments: [] });
    expect(results.respondents).toBeUndefined();
  });

  it('gives a lead their own team only, with their team’s participation and nothing workspace-wide', async () => {
    const { service } = setup({ k: 3 }, 3);
    const results = await service.roundResults(lead, 'r1', undefined);
    expect(results.respondents).toBeUndefined();
    expect(results.questions).toEqual([]);
    expect(results.comments).toEqual([]);
    expect(results.groups!.map((g) => g.key)).toEqual([ALPHA]);
    expect(results.groups![0]).toMatchObject({ suppressed: false, respondents: 6 });
    expect(results.participation).toEqual({ invited: 7, responded: 6, rate: 0.857 });
  });

  it('posts the HR summary of a round at or above k', async () => {
    const { service, notifier } = setup();
    await service.postHrSummary({ roundId: 'r1' });
    expect(notifier.postHrSummary).toHaveBeenCalledWith(
      'xoxb',
      'CHR',
      expect.objectContaining({ title: 'Weekly pulse', respondents: 9, invited: 12 }),
    );
  });

  it('posts no HR summary below k, nor for a round still open', async () => {
    const below = setup({}, 10);
    await below.service.postHrSummary({ roundId: 'r1' });
    expect(below.notifier.postHrSummary).not.toHaveBeenCalled();
    const open = setup({ status: 'open', closedAt: null });
    await open.service.postHrSummary({ roundId: 'r1' });
    expect(open.notifier.postHrSummary).not.toHaveBeenCalled();
  });

  it('serves the same trends bytes and ETag until k changes, then builds again', async () => {
    const { service, settings } = setup();
    const first = await service.trends(hr, 's1', undefined, {});
    const again = await service.trends(hr, 's1', undefined, {});
    expect(again).toBe(first);
    expect(JSON.parse(first.body.toString()).rounds[0]).toMatchObject({ k: 5, respondents: 9 });
    settings.anonymityThreshold = 10;
    const raised = await service.trends(hr, 's1', undefined, {});
    expect(raised.etag).not.toBe(first.etag);
    expect(JSON.parse(raised.body.toString()).rounds[0]).toMatchObject({ k: 10, suppressed: true });
  });
});
