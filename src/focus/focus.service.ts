/**
 * Focus blocks: creating them (behind the coverage guard), ending them, and who is heads-down
 * now. Slack sync happens in jobs queued with the write (focus-sync.service.ts).
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/errors';
import { JobsService } from '../jobs/jobs.service';
import type { PersonEntity } from '../people/person.entity';
import { PeopleService } from '../people/people.service';
import { TeamsService } from '../teams/teams.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { checkCoverage } from './coverage';
import { refusedMessage } from './slack/focus.blocks';
import { FocusBlockEntity, FocusSource } from './focus-block.entity';
import { FOCUS_QUEUES, FocusJobData, startJobAfter } from './focus.queues';
import { FocusRepository, FocusRule } from './focus.repository';
import type { RecurringRule } from './recurring-rule';
import type { FocusNowTeamDto } from './dto/focus-now.dto';
import { DateTime } from 'luxon';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How far ahead recurring blocks exist as blocks (and so count for the coverage guard). */
export const RULE_HORIZON_DAYS = 14;

const WEEKDAYS: Record<string, number> = { MO: 1, TU: 2, WE: 3, TH: 4, FR: 5, SA: 6, SU: 7 };

/**
 * The starts of a rule's occurrences from now on, for `days` days: each local day of the
 * rule's zone that the rule names (FREQ=DAILY, or FREQ=WEEKLY;BYDAY=…), at its local start.
 */
export function occurrences(
  rule: Pick<FocusRule, 'rrule' | 'localStart' | 'timeZone'>,
  now: Date,
  days: number,
): Date[] {
  const parts = Object.fromEntries(
    rule.rrule
      .replace(/^RRULE:/, '')
      .split(';')
      .map((p) => p.split('=')),
  );
  const byDay =
    parts.FREQ === 'DAILY'
      ? [1, 2, 3, 4, 5, 6, 7]
      : String(parts.BYDAY ?? '')
          .split(',')
          .map((d) => WEEKDAYS[d]);
  const [hour, minute] = rule.localStart.split(':').map(Number);
  const first = DateTime.fromJSDate(now, { zone: rule.timeZone }).startOf('day');
  const out: Date[] = [];
  for (let i = 0; i <= days; i++) {
    const day = first.plus({ days: i });
    if (!byDay.includes(day.weekday)) continue;
    const start = day.set({ hour, minute });
    if (start.toJSDate() >= now) out.push(start.toJSDate());
  }
  return out;
}

export type CreateOutcome =
  /** `merged`: the request overlapped one of the agent's own blocks, which now covers both. */
  | { status: 'created'; block: FocusBlockEntity; connected: boolean; merged: boolean }
  | { status: 'refused'; nextFit: Date | null; minOnDuty: number };

@Injectable()
export class FocusService {
  constructor(
    private readonly focusRepository: FocusRepository,
    private readonly peopleService: PeopleService,
    private readonly teamsService: TeamsService,
    private readonly workspacesService: WorkspacesService,
    private readonly jobs: JobsService,
    private readonly clock: Clock,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  /** The ambient transaction's manager, or the DataSource's outside one. */
  private get db(): EntityManager {
    return this.txHost.tx;
  }

  /** The one-line reason a block was refused by the coverage guard, as /focus words it. */
  refusalNotice(
    refusal: Extract<CreateOutcome, { status: 'refused' }>,
    timeZone: string,
    now: Date,
  ): string {
    return refusedMessage(refusal.nextFit, refusal.minOnDuty, timeZone, now).text;
  }

  async personFor(slackTeamId: string, slackUserId: string): Promise<PersonEntity> {
    const workspace = await this.workspacesService.findBySlackTeamId(slackTeamId);
    const person = workspace
      ? await this.peopleService.findBySlackUserId(workspace.id, slackUserId)
      : null;
    if (!person)
      throw new DomainError(
        'not_found',
        'Pulsedesk does not know you yet: ask an admin to import people',
      );
    return person;
  }

  /** A block from /focus: refused when it would leave the team below minOnDuty at any moment. */
  async create(
    person: PersonEntity,
    input: {
      start: Date;
      end: Date;
      note: string | null;
      source: FocusBlockEntity['source'];
      ruleId?: string;
    },
  ): Promise<CreateOutcome> {
    const team = await this.teamOf(person);
    return this.txHost.withTransaction(async () => {
      const refused = await this.coverageRefusal(person, team, input.start, input.end);
      if (refused) return refused;
      const own = await this.focusRepository.ownTouching(person.id, input.start, input.end);
      if (own.length > 0) {
        const block = await this.merge(own, input);
        return { status: 'created', block, connected: person.userTokenEnc !== null, merged: true };
      }
      const block = await this.focusRepository.insert({
        workspaceId: person.workspaceId,
        personId: person.id,
        teamId: team?.id ?? null,
        startsAt: input.start,
        endsAt: input.end,
        note: input.note,
        source: input.source,
        ruleId: input.ruleId ?? null,
      });
      await this.jobs.send<FocusJobData>(
        FOCUS_QUEUES.start,
        { blockId: block.id },
        { startAfter: startJobAfter(block.startsAt), singletonKey: block.id },
      );
      await this.jobs.send<FocusJobData>(
        FOCUS_QUEUES.end,
        { blockId: block.id },
        { startAfter: block.endsAt, singletonKey: block.id },
      );
      return { status: 'created', block, connected: person.userTokenEnc !== null, merged: false };
    });
  }

  /** Read before a transaction: inside one, only the transaction's connection may be used. */
  private teamOf(person: PersonEntity) {
    return person.teamId ? this.teamsService.get(person.workspaceId, person.teamId) : null;
  }

  /**
   * The coverage guard for the person being away over [start, end), inside the caller's
   * transaction: the team's members are locked so two agents cannot both take the last free
   * slot. A refusal is recorded (counted in the summary, no person kept) and returned.
   */
  private async coverageRefusal(
    person: PersonEntity,
    team: Awaited<ReturnType<FocusService['teamOf']>>,
    start: Date,
    end: Date,
  ): Promise<Extract<CreateOutcome, { status: 'refused' }> | null> {
    const members = team
      ? await this.peopleService.lockTeamMembers(person.workspaceId, team.id)
      : [person];
    const others = members.filter((p) => p.id !== person.id).map((p) => p.id);
    const overlapping = await this.focusRepository.overlapping(
      others,
      start,
      new Date(end.getTime() + 7 * 86_400_000),
    );
    const verdict = checkCoverage({
      teamSize: members.length,
      minOnDuty: team?.minOnDuty ?? 0,
      others: overlapping.map((b) => ({ start: b.startsAt, end: b.endsAt })),
      start,
      end,
    });
    if (verdict.fits) return null;
    await this.focusRepository.recordRefusal(
      person.workspaceId,
      team?.id ?? null,
      this.clock.now(),
    );
    return { status: 'refused', nextFit: verdict.nextFit, minOnDuty: team?.minOnDuty ?? 0 };
  }

  /**
   * Overlapping blocks of one agent merge: the earliest of them grows to cover the request
   * (and any other unapplied block it now overlaps), so Slack sees one status and one snooze,
   * kept and restored once. A block already applied in Slack is re-synced for its new end; a
   * recurring occurrence merged away is recorded as cancelled so the rule does not recreate it.
   */
  private async merge(
    own: FocusBlockEntity[],
    input: { start: Date; end: Date; note: string | null; source: FocusSource; ruleId?: string },
  ): Promise<FocusBlockEntity> {
    const [survivor, ...rest] = own;
    // Blocks whose start sync has not claimed them yet (locked FOR UPDATE by ownTouching, so a
    // claim waits for this transaction and then finds them cancelled). A claimed one is being
    // applied in Slack right now and stays a block of its own, as an applied one does.
    const absorbed = rest.filter((b) => b.state === 'scheduled' && !b.appliedStatus);
    const startsAt = new Date(
      Math.min(input.start.getTime(), ...[survivor, ...absorbed].map((b) => b.startsAt.getTime())),
    );
    const endsAt = new Date(
      Math.max(input.end.getTime(), ...[survivor, ...absorbed].map((b) => b.endsAt.getTime())),
    );
    for (const b of absorbed) await this.focusRepository.update(b.id, { state: 'cancelled' });
    if (input.ruleId) {
      const marker = await this.focusRepository.insert({
        workspaceId: survivor.workspaceId,
        personId: survivor.personId,
        teamId: survivor.teamId,
        startsAt: input.start,
        endsAt: input.end,
        note: input.note,
        source: input.source,
        ruleId: input.ruleId,
      });
      await this.focusRepository.update(marker.id, { state: 'cancelled' });
    }
    await this.focusRepository.update(survivor.id, {
      startsAt,
      endsAt,
      note: survivor.note ?? input.note,
    });
    // Applied, or being applied by its start sync (claimed): Slack must hear of the new end.
    const started = Boolean(survivor.appliedStatus) || survivor.state === 'active';
    if (startsAt < survivor.startsAt || (started && endsAt > survivor.endsAt)) {
      // An earlier start, or a running block whose status and snooze must now last longer (a
      // start sync in flight finishes first: this one waits for its lease).
      await this.jobs.send<FocusJobData>(
        FOCUS_QUEUES.start,
        { blockId: survivor.id },
        {
          startAfter: startsAt < survivor.startsAt ? startJobAfter(startsAt) : this.clock.now(),
        },
      );
    }
    if (endsAt > survivor.endsAt) {
      // The old end job, run at the old end, is queued again for this one: of the two, the
      // first ends the block and the other finds it ended.
      await this.jobs.send<FocusJobData>(
        FOCUS_QUEUES.end,
        { blockId: survivor.id },
        { startAfter: endsAt },
      );
    }
    return (await this.db.findOneBy(FocusBlockEntity, { id: survivor.id }))!;
  }

  /**
   * A recurring block: the rule is kept, and its occurrences of the next two weeks are created
   * one by one, each behind the coverage guard (a refused occurrence is reported, the others
   * stand). An hourly job keeps two weeks ahead (expandRules).
   */
  async createRecurring(
    person: PersonEntity,
    rule: RecurringRule,
  ): Promise<{ created: FocusBlockEntity[]; refused: Date[] }> {
    const saved = await this.focusRepository.insertRule({
      workspaceId: person.workspaceId,
      personId: person.id,
      ...rule,
    });
    return this.expandRule(person, saved);
  }

  /** The hourly tick: every active rule gets its occurrences of the next two weeks. */
  async expandRules(): Promise<number> {
    let created = 0;
    for (const rule of await this.focusRepository.activeRules()) {
      const person = await this.peopleService.getById(rule.personId);
      if (!person.active) continue;
      created += (await this.expandRule(person, rule)).created.length;
    }
    return created;
  }

  private async expandRule(
    person: PersonEntity,
    rule: FocusRule,
  ): Promise<{ created: FocusBlockEntity[]; refused: Date[] }> {
    const now = this.clock.now();
    const created: FocusBlockEntity[] = [];
    const refused: Date[] = [];
    for (const start of occurrences(rule, now, RULE_HORIZON_DAYS)) {
      if (await this.focusRepository.ruleHasBlockAt(rule.id, start)) continue;
      const end = new Date(start.getTime() + rule.durationMinutes * 60_000);
      const outcome = await this.create(person, {
        start,
        end,
        note: rule.note,
        source: 'recurring',
        ruleId: rule.id,
      });
      // Merged into a block of the agent's own: that block covers the occurrence.
      if (outcome.status === 'created' && !outcome.merged) created.push(outcome.block);
      else refused.push(start);
    }
    return { created, refused };
  }

  /** Ends a running block now, or cancels one that has not started; only its owner may. */
  async end(person: PersonEntity, blockId: string): Promise<FocusBlockEntity> {
    // A button's value comes from Slack's payload: anything not an id is no block (the
    // database would refuse it as a uuid, an error instead of a refusal).
    const block = UUID.test(blockId) ? await this.focusRepository.findById(blockId) : null;
    if (!block || block.personId !== person.id) throw notFound('Focus block');
    if (block.state === 'ended' || block.state === 'cancelled') return block;
    const now = this.clock.now();
    // Coalesced: a block cancelled before its start sync claimed it makes no Slack calls at all.
    if (
      block.startsAt > now &&
      (await this.focusRepository.leaveScheduled(block.id, 'cancelled'))
    ) {
      return (await this.focusRepository.findById(block.id))!;
    }
    // Started, or its start sync claimed it a moment ago: it ends now (not before its start);
    // the end sync waits for the start's and undoes what it applied. The block's scheduled end
    // job, still waiting for the old end, finds it ended.
    // (A block must last: one claimed a moment before its start ends a second after it.)
    const endsAt = block.startsAt > now ? new Date(block.startsAt.getTime() + 1_000) : now;
    await this.focusRepository.update(block.id, { endsAt });
    await this.jobs.send<FocusJobData>(
      FOCUS_QUEUES.end,
      { blockId: block.id },
      { startAfter: endsAt },
    );
    return (await this.focusRepository.findById(block.id))!;
  }

  /**
   * "Start now" on a scheduled block (App Home): it starts now and keeps its end, behind the
   * coverage guard for the time it gains.
   */
  async startNow(person: PersonEntity, blockId: string): Promise<CreateOutcome> {
    const block = await this.focusRepository.findById(blockId);
    if (!block || block.personId !== person.id) throw notFound('Focus block');
    const now = this.clock.now();
    if (block.state !== 'scheduled' || block.startsAt <= now)
      return { status: 'created', block, connected: person.userTokenEnc !== null, merged: false };
    const team = await this.teamOf(person);
    return this.txHost.withTransaction(async () => {
      const refused = await this.coverageRefusal(person, team, now, block.startsAt);
      if (refused) return refused;
      await this.focusRepository.update(block.id, { startsAt: now });
      // The job at the old start finds the block applied and does nothing.
      await this.jobs.send<FocusJobData>(FOCUS_QUEUES.start, { blockId: block.id });
      const started = (await this.db.findOneBy(FocusBlockEntity, { id: block.id }))!;
      return {
        status: 'created',
        block: started,
        connected: person.userTokenEnc !== null,
        merged: false,
      };
    });
  }

  /** `/focus off`: ends whatever block is running now. */
  async endCurrent(person: PersonEntity): Promise<FocusBlockEntity | null> {
    const now = this.clock.now();
    const current = (await this.focusRepository.upcomingFor(person.id, now)).find(
      (b) => b.startsAt <= now,
    );
    return current ? this.end(person, current.id) : null;
  }

  /** When the person's running focus block ends; null when they are not focusing now. */
  async busyUntil(personId: string): Promise<Date | null> {
    const now = this.clock.now();
    const running = (await this.focusRepository.upcomingFor(personId, now)).filter(
      (b) => b.startsAt <= now,
    );
    return running.length ? new Date(Math.max(...running.map((b) => b.endsAt.getTime()))) : null;
  }

  upcoming(person: PersonEntity): Promise<FocusBlockEntity[]> {
    return this.focusRepository.upcomingFor(person.id, this.clock.now());
  }

  /** GET /api/focus/now: per team, who is heads-down until when, and on-duty against minOnDuty. */
  async now(principal: Principal): Promise<FocusNowTeamDto[]> {
    const now = this.clock.now();
    const [views, live, people] = await Promise.all([
      this.teamsService.listFor(principal),
      this.focusRepository.liveInWorkspace(principal.workspaceId, now),
      this.peopleService.listWorkspace(principal.workspaceId),
    ]);
    const byId = new Map(people.map((p) => [p.id, p]));
    return views.map(({ team, members }) => {
      const focusing = live
        .filter((b) => byId.get(b.personId)?.teamId === team.id)
        .map((b) => ({
          slackUserId: byId.get(b.personId)!.slackUserId,
          name: byId.get(b.personId)!.name,
          until: b.endsAt.toISOString(),
        }));
      const onDuty = members - focusing.length;
      return {
        teamId: team.id,
        name: team.name,
        members,
        minOnDuty: team.minOnDuty,
        onDuty,
        covered: onDuty >= team.minOnDuty,
        focusing,
      };
    });
  }
}
