import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/config';
import { TokenCipher } from '../common/token-cipher';
import { TestClock } from '../../test/support/test-clock';
import type { WorkspaceEntity } from './workspace.entity';
import type { WorkspacesRepository } from './workspaces.repository';
import { SLACK_TEAM_CACHE_MS, WorkspacesService } from './workspaces.service';

describe('WorkspacesService.findBySlackTeamId', () => {
  const workspace = (name: string) =>
    ({ id: 'w1', slackTeamId: 'T1', name, anonymityThreshold: null }) as WorkspaceEntity;

  function setup() {
    const clock = new TestClock();
    let row: WorkspaceEntity | null = workspace('first');
    const repo = {
      findBySlackTeamId: jest.fn(async () => row),
      saveInstallation: jest.fn(async () => row!),
      updateSettings: jest.fn(async () => row!),
    };
    const service = new WorkspacesService(
      repo as unknown as WorkspacesRepository,
      new TokenCipher(randomBytes(32)),
      clock,
      { anonymityThreshold: 5 } as AppConfig,
    );
    return { service, repo, clock, setRow: (w: WorkspaceEntity | null) => (row = w) };
  }

  it('reuses a found workspace until the TTL is over', async () => {
    const { service, repo, clock, setRow } = setup();
    expect((await service.findBySlackTeamId('T1'))?.name).toBe('first');
    setRow(workspace('second'));
    expect((await service.findBySlackTeamId('T1'))?.name).toBe('first');
    expect(repo.findBySlackTeamId).toHaveBeenCalledTimes(1);
    clock.advance(SLACK_TEAM_CACHE_MS);
    expect((await service.findBySlackTeamId('T1'))?.name).toBe('second');
  });

  it('never remembers a team that is not installed', async () => {
    const { service, repo, setRow } = setup();
    setRow(null);
    expect(await service.findBySlackTeamId('T1')).toBeNull();
    setRow(workspace('installed'));
    expect((await service.findBySlackTeamId('T1'))?.name).toBe('installed');
    expect(repo.findBySlackTeamId).toHaveBeenCalledTimes(2);
  });

  it('forgets the workspace as soon as this process installs it again or changes its settings', async () => {
    const { service, setRow } = setup();
    await service.findBySlackTeamId('T1');
    setRow(workspace('reinstalled'));
    await service.saveInstallation({
      slackTeamId: 'T1',
      name: 'reinstalled',
      botToken: 'xoxb-1',
      botUserId: null,
      botScopes: null,
      installedBySlackUserId: null,
    });
    expect((await service.findBySlackTeamId('T1'))?.name).toBe('reinstalled');
    setRow({ ...workspace('reinstalled'), anonymityThreshold: 7 });
    await service.updateSettings('w1', { anonymityThreshold: 7 });
    expect((await service.findBySlackTeamId('T1'))?.anonymityThreshold).toBe(7);
  });
});
