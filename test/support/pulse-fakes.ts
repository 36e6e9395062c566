/**
 * In-memory stand-ins for the pulse feature's repositories and the jobs service, for unit
 * specs of the round services: they keep the rules the SQL keeps (one close, one reminder,
 * one delivery record per invitation), nothing more.
 */
import type { JobsService } from '../../src/jobs/jobs.service';
import type { TransactionalAdapterTypeOrm, TransactionHost } from '../../src/database/transactions';
import { RoundEntity } from '../../src/pulse/entities/round.entity';
import { SurveyEntity } from '../../src/pulse/entities/survey.entity';
import type { Invitation, RoundsRepository } from '../../src/pulse/rounds.repository';

export function aRound(patch: Partial<RoundEntity> = {}): RoundEntity {
  return Object.assign(new RoundEntity(), {
    id: 'r1',
    surveyId: 's1',
    workspaceId: 'w1',
    status: 'open',
    questions: [{ id: 'q1', kind: 'scale5', prompt: 'How was the week?' }],
    k: 5,
    occurrence: null,
    openedAt: new Date('2026-11-25T09:00:00Z'),
    closesAt: new Date('2026-11-28T09:00:00Z'),
    closedAt: null,
    invited: null,
    responded: null,
    reminderSentAt: null,
    invalidBallots: 0,
    ...patch,
  });
}

export function anInvitation(patch: Partial<Invitation> = {}): Invitation {
  return {
    roundId: 'r1',
    personId: 'p1',
    deliverAfter: new Date('2026-11-25T09:00:00Z'),
    deliveredAt: null,
    dmChannel: null,
    dmTs: null,
    responded: false,
    remindedAt: null,
    ...patch,
  };
}

export function aSurvey(patch: Partial<SurveyEntity> = {}): SurveyEntity {
  return Object.assign(new SurveyEntity(), {
    id: 's1',
    workspaceId: 'w1',
    title: 'Weekly pulse',
    questions: [
      { id: 'q1', kind: 'scale5', prompt: 'Workload' },
      { id: 'q2', kind: 'scale5', prompt: 'Support' },
    ],
    questionsPerRound: null,
    rotationCursor: 0,
    audienceTeamIds: null,
    scheduleRrule: null,
    scheduleLocalTime: null,
    windowHours: 48,
    reminderAfterHours: 24,
    createdAt: new Date('2026-11-01T00:00:00Z'),
    updatedAt: new Date('2026-11-01T00:00:00Z'),
    ...patch,
  });
}

export class FakeRoundsRepository {
  readonly rounds = new Map<string, RoundEntity>();
  readonly invitations: Invitation[] = [];
  /** Wrapped ballot keys by round id (a closed round has none). */
  readonly ballotKeys = new Map<string, string | null>();
  readonly restamped: string[] = [];

  constructor(rounds: RoundEntity[] = [], invitations: Invitation[] = []) {
    for (const r of rounds) this.rounds.set(r.id, r);
    this.invitations.push(...invitations);
  }

  async findById(id: string) {
    return this.rounds.get(id) ?? null;
  }

  async findInWorkspace(workspaceId: string, id: string) {
    const round = this.rounds.get(id);
    return round && round.workspaceId === workspaceId ? round : null;
  }

  async findInvitation(roundId: string, personId: string) {
    return this.invitations.find((i) => i.roundId === roundId && i.personId === personId) ?? null;
  }

  async recordDelivery(
    roundId: string,
    personId: string,
    dm: { channel: string; ts: string },
    at: Date,
  ) {
    const invitation = (await this.findInvitation(roundId, personId))!;
    Object.assign(invitation, { deliveredAt: at, dmChannel: dm.channel, dmTs: dm.ts });
  }

  async recordReminder(roundId: string, personId: string, at: Date) {
    const invitation = await this.findInvitation(roundId, personId);
    if (!invitation || invitation.remindedAt || invitation.responded) return false;
    invitation.remindedAt = at;
    return true;
  }

  async claimReminder(id: string, at: Date) {
    const round = this.rounds.get(id);
    if (!round || round.status !== 'open' || round.reminderSentAt) return false;
    round.reminderSentAt = at;
    return true;
  }

  async nonResponders(roundId: string) {
    return this.invitations
      .filter((i) => i.roundId === roundId && !i.responded)
      .map((i) => i.personId);
  }

  async markClosed(id: string, at: Date) {
    const round = this.rounds.get(id);
    if (!round || round.status !== 'open') return null;
    round.status = 'closed';
    round.closedAt = at;
    const ballotKey = this.ballotKeys.get(id) ?? null;
    this.ballotKeys.set(id, null);
    return { ballotKey };
  }

  async restampParticipation(roundId: string) {
    this.restamped.push(roundId);
  }

  async insert(values: Partial<RoundEntity>) {
    const round = aRound({ ...values, id: `r${this.rounds.size + 1}` });
    this.rounds.set(round.id, round);
    return round;
  }

  async invite(roundId: string, invitees: { personId: string; deliverAfter: Date }[]) {
    for (const { personId, deliverAfter } of invitees) {
      this.invitations.push(anInvitation({ roundId, personId, deliverAfter }));
    }
  }

  async openedOccurrences(wanted: { surveyId: string; occurrence: string }[]) {
    const opened = new Set(
      [...this.rounds.values()].map((r) => `${r.surveyId}|${r.occurrence ?? ''}`),
    );
    return new Set(
      wanted.map((w) => `${w.surveyId}|${w.occurrence}`).filter((key) => opened.has(key)),
    );
  }

  asRepository(): RoundsRepository {
    return this as unknown as RoundsRepository;
  }
}

/** A job as queued: its queue, data and options. */
export interface QueuedJob {
  queue: string;
  data: unknown;
  options: { startAfter?: Date; singletonKey?: string };
}

export class FakeJobs {
  readonly queued: QueuedJob[] = [];
  readonly purged: { queue: string; data: unknown }[] = [];

  async send(queue: string, data: unknown, options: QueuedJob['options'] = {}) {
    this.queued.push({ queue, data, options });
    return 'job';
  }

  async sendMany(queue: string, jobs: ({ data: unknown } & QueuedJob['options'])[]): Promise<void> {
    for (const { data, ...options } of jobs) this.queued.push({ queue, data, options });
  }

  async purge(queue: string, data: unknown) {
    this.purged.push({ queue, data });
  }

  on(queue: string) {
    return this.queued.filter((j) => j.queue === queue);
  }

  asService(): JobsService {
    return this as unknown as JobsService;
  }
}

/** A transaction host that runs the work as it is: the fakes have no transactions to keep. */
export function fakeTxHost(): TransactionHost<TransactionalAdapterTypeOrm> {
  return {
    withTransaction: (work: () => Promise<unknown>) => work(),
  } as unknown as TransactionHost<TransactionalAdapterTypeOrm>;
}
