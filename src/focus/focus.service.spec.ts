import { FakeJobs, fakeTxHost } from '../../test/support/pulse-fakes';
import { TestClock } from '../../test/support/test-clock';
import { DomainError } from '../common/errors';
import type { PeopleService } from '../people/people.service';
import type { PersonEntity } from '../people/person.entity';
import type { TeamsService } from '../teams/teams.service';
import type { WorkspacesService } from '../workspaces/workspaces.service';
import { FocusBlockEntity } from './focus-block.entity';
import { FOCUS_QUEUES, START_AHEAD_MS } from './focus.queues';
import type { FocusRepository } from './focus.repository';
import { FocusService } from './focus.service';

const at = (iso: string) => new Date(iso);

/** In-memory blocks, with the repository's rules for leaving the scheduled state. */
class FakeFocusRepository {
  readonly blocks: FocusBlockEntity[] = [];
  readonly refusals: { teamId: string | null }[] = [];

  async ownTouching(personId: string, from: Date, to: Date) {
    return this.blocks.filter(
      (b) =>
        b.personId === personId &&
        ['scheduled', 'active'].includes(b.state) &&
        b.startsAt <= to &&
        b.endsAt >= from,
    );
  }
  async overlapping(personIds: string[], from: Date, to: Date) {
    return this.blocks.filter(
      (b) => personIds.includes(b.personId) && b.startsAt < to && b.endsAt > from,
    );
  }
  async recordRefusal(_w: string, teamId: string | null) {
    this.refusals.push({ teamId });
  }
  async insert(values: Partial<FocusBlockEntity>) {
    const block = Object.assign(new FocusBlockEntity(), {
      // Ids as the database makes them: FocusService.end refuses anything not a uuid.
      id: `00000000-0000-4000-8000-${String(this.blocks.length + 1).padStart(12, '0')}`,
      state: 'scheduled',
      ...values,
    });
    this.blocks.push(block);
    return block;
  }
  async findById(id: string) {
    return this.blocks.find((b) => b.id === id) ?? null;
  }
  async leaveScheduled(id: string, to: 'active' | 'cancelled') {
    const block = await this.findById(id);
    if (!block || block.state !== 'scheduled') return false;
    block.state = to;
    return true;
  }
  async update(id: string, patch: Partial<FocusBlockEntity>) {
    Object.assign((await this.findById(id))!, patch);
  }
  async upcomingFor(personId: string, now: Date) {
    return this.blocks.filter(
      (b) => b.personId === personId && b.endsAt > now && ['scheduled', 'active'].includes(b.state),
    );
  }
}

describe('FocusService', () => {
  const team = { id: 't1', minOnDuty: 2 };
  const person = (id: string) =>
    ({ id, workspaceId: 'w1', teamId: 't1', userTokenEnc: 'enc' }) as unknown as PersonEntity;
  const ann = person('ann');

  function setup(teamSize = 4) {
    const clock = new TestClock('2026-11-25T09:00:00Z');
    const repo = new FakeFocusRepository();
    const jobs = new FakeJobs();
    const members = Array.from({ length: teamSize }, (_, i) => person(i ? `p${i}` : 'ann'));
    const people = {
      lockTeamMembers: async () => members,
      findBySlackUserId: async (_w: string, slackUserId: string) =>
        slackUserId === 'UANN' ? ann : null,
    };
    const workspaces = {
      findBySlackTeamId: async (id: string) => (id === 'T1' ? { id: 'w1' } : null),
    };
    const service = new FocusService(
      repo as unknown as FocusRepository,
      people as unknown as PeopleService,
      { get: async () => team } as unknown as TeamsService,
      workspaces as unknown as WorkspacesService,
      jobs.asService(),
      clock,
      fakeTxHost(),
    );
    return { service, repo, jobs, clock };
  }

  const block = (start: string, end: string) => ({
    start: at(start),
    end: at(end),
    note: null,
    source: 'slash' as FocusBlockEntity['source'],
  });

  describe('create', () => {
    it('books the block and queues its start sync just ahead of the start and its end sync at the end', async () => {
      const { service, jobs } = setup();
      const outcome = await service.create(
        ann,
        block('2026-11-25T10:00:00Z', '2026-11-25T11:00:00Z'),
      );
      expect(outcome).toMatchObject({ status: 'created', merged: false, connected: true });
      const id = (outcome as { block: FocusBlockEntity }).block.id;
      expect(jobs.on(FOCUS_QUEUES.start)[0]).toMatchObject({
        data: { blockId: id },
        options: { startAfter: at('2026-11-25T09:59:58Z'), singletonKey: id },
      });
      expect(START_AHEAD_MS).toBe(2_000);
      expect(jobs.on(FOCUS_QUEUES.end)[0]).toMatchObject({
        data: { blockId: id },
        options: { startAfter: at('2026-11-25T11:00:00Z'), singletonKey: id },
      });
    });

    it('refuses a block that would leave fewer than minOnDuty on duty, records the refusal and queues nothing', async () => {
      // Team of 3, 2 must stay on duty: one teammate already focusing leaves room for nobody else.
      const { service, repo, jobs } = setup(3);
      await repo.insert({
        personId: 'p1',
        startsAt: at('2026-11-25T09:30:00Z'),
        endsAt: at('2026-11-25T10:30:00Z'),
      });
      const outcome = await service.create(
        ann,
        block('2026-11-25T10:00:00Z', '2026-11-25T11:00:00Z'),
      );
      expect(outcome).toEqual({
        status: 'refused',
        nextFit: at('2026-11-25T10:30:00Z'),
        minOnDuty: 2,
      });
      expect(repo.refusals).toEqual([{ teamId: 't1' }]);
      expect(jobs.queued).toEqual([]);
    });
  });

  describe('end', () => {
    it('cancels a block that has not started: no end sync, nothing to undo in Slack', async () => {
      const { service, jobs } = setup();
      const created = await service.create(
        ann,
        block('2026-11-25T10:00:00Z', '2026-11-25T11:00:00Z'),
      );
      const id = (created as { block: FocusBlockEntity }).block.id;
      const ended = await service.end(ann, id);
      expect(ended.state).toBe('cancelled');
      expect(jobs.on(FOCUS_QUEUES.end)).toHaveLength(1); // only the one queued at creation
    });

    it('ends a running block now and queues its end sync for now', async () => {
      const { service, repo, jobs, clock } = setup();
      const running = await repo.insert({
        personId: 'ann',
        state: 'active',
        startsAt: at('2026-11-25T08:30:00Z'),
        endsAt: at('2026-11-25T10:00:00Z'),
      });
      const ended = await service.end(ann, running.id);
      expect(ended.endsAt).toEqual(clock.now());
      expect(jobs.on(FOCUS_QUEUES.end)).toEqual([
        {
          queue: FOCUS_QUEUES.end,
          data: { blockId: running.id },
          options: { startAfter: clock.now() },
        },
      ]);
    });

    it('refuses to end someone else’s block with not_found', async () => {
      const { service, repo } = setup();
      const theirs = await repo.insert({
        personId: 'p1',
        startsAt: at('2026-11-25T10:00:00Z'),
        endsAt: at('2026-11-25T11:00:00Z'),
      });
      const err = await service.end(ann, theirs.id).catch((e: DomainError) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('not_found');
      expect(theirs.state).toBe('scheduled');
    });
  });

  describe('busyUntil', () => {
    it('is the end of the running block, and null when the next block has not started', async () => {
      const { service, repo, clock } = setup();
      await repo.insert({
        personId: 'ann',
        state: 'active',
        startsAt: at('2026-11-25T08:30:00Z'),
        endsAt: at('2026-11-25T09:45:00Z'),
      });
      await repo.insert({
        personId: 'ann',
        startsAt: at('2026-11-25T13:00:00Z'),
        endsAt: at('2026-11-25T14:00:00Z'),
      });
      expect(await service.busyUntil('ann')).toEqual(at('2026-11-25T09:45:00Z'));
      clock.set('2026-11-25T10:00:00Z');
      expect(await service.busyUntil('ann')).toBeNull();
    });
  });

  it('refuses someone Pulsedesk does not know with not_found and a hint', async () => {
    const { service } = setup();
    const err = await service.personFor('T1', 'USTRANGER').catch((e: DomainError) => e);
    expect(err).toMatchObject({ code: 'not_found' });
    expect((err as DomainError).message).toContain('import people');
    await expect(service.personFor('T1', 'UANN')).resolves.toBe(ann);
  });
});
