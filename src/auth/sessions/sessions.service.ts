/**
 * Dashboard sign-in: one-time links (from `/pulse dashboard` or the operator's first-run print)
 * that start a session kept in Postgres. Secrets are random 32 bytes handed out once; only
 * their SHA-256 is stored. A session is re-resolved to a Principal on every request from the
 * person's current role and team, so a demotion takes effect at once. Time only from Clock.
 */
import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/errors';
import type { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.module';
import type { Role } from '../../people/person.entity';
import type { Principal } from '../principal';
import { SessionPerson, SessionsRepository } from './sessions.repository';

export const LINK_TTL_MS = 15 * 60_000;
/** A session unused this long is over. */
export const SESSION_IDLE_MS = 2 * 60 * 60_000;
/** A session is over this long after sign-in, however busy. */
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60_000;
/** last_seen_at is written at most this often (not on every page). */
const TOUCH_EVERY_MS = 60_000;
export const SESSION_COOKIE = 'pulsedesk_session';
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

/** Who may sign in to the dashboard: the roles that read results on the API. */
const DASHBOARD_ROLES: readonly Role[] = ['lead', 'hr', 'admin'];

export type LinkOutcome =
  | { status: 'link'; url: string; expiresAt: Date }
  | { status: 'refused'; reason: 'unknown_person' | 'agent' | 'lead_without_team' };

export interface StartedSession {
  sessionId: string;
  maxAgeMs: number;
}

export interface ResolvedSession {
  principal: Omit<Principal, 'workspaceId'> & { workspaceId: string | null };
  csrfToken: string;
}

function sha256(secret: string, prefix = ''): string {
  return createHash('sha256').update(prefix).update(secret).digest('hex');
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `/pulse dashboard`: a link for leads, HR and admins; a reason for everyone else. */
  async linkForSlackUser(slackTeamId: string, slackUserId: string): Promise<LinkOutcome> {
    const person = await this.sessions.findPersonBySlack(slackTeamId, slackUserId);
    const refusal = person ? this.refusal(person) : 'unknown_person';
    if (refusal || !person) return { status: 'refused', reason: refusal ?? 'unknown_person' };
    return this.issueLink(person.workspaceId, person.id);
  }

  /** The operator's link (first run): admin of the only workspace, or of none yet. */
  operatorLink(baseUrl?: string): Promise<Extract<LinkOutcome, { status: 'link' }>> {
    return this.issueLink(null, null, baseUrl);
  }

  /** Burns the link and starts a session; a used, expired or unknown link is refused. */
  async redeem(token: string): Promise<StartedSession> {
    const now = this.clock.now();
    const hash = sha256(token);
    const link = await this.sessions.burnLink(hash, now);
    if (!link) {
      const known = await this.sessions.findLink(hash);
      const message = !known
        ? 'This sign-in link is not valid. Ask for a new one with /pulse dashboard in Slack.'
        : known.usedAt
          ? 'This sign-in link was already used. Each link signs in once: ask for a new one with /pulse dashboard in Slack.'
          : 'This sign-in link has expired (links last 15 minutes). Ask for a new one with /pulse dashboard in Slack.';
      throw new DomainError('unauthenticated', message);
    }
    if (link.personId) {
      const person = await this.sessions.findPerson(link.personId);
      if (!person || this.refusal(person)) {
        throw new DomainError('forbidden', 'Your role no longer gives access to the dashboard.');
      }
    }
    await this.sessions.deleteExpired(now);
    const sessionId = newSecret();
    await this.sessions.createSession({
      sessionHash: sha256(sessionId),
      workspaceId: link.workspaceId,
      personId: link.personId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + SESSION_ABSOLUTE_MS),
    });
    return { sessionId, maxAgeMs: SESSION_ABSOLUTE_MS };
  }

  /**
   * The session's principal as of now, or null when the session is unknown, idle too long,
   * past its absolute expiry, or its person may no longer use the dashboard.
   */
  async resolve(sessionId: string): Promise<ResolvedSession | null> {
    const now = this.clock.now();
    const session = await this.sessions.findSession(sha256(sessionId));
    if (!session) return null;
    if (
      session.expiresAt <= now ||
      now.getTime() - session.lastSeenAt.getTime() >= SESSION_IDLE_MS
    ) {
      await this.sessions.deleteSession(sha256(sessionId));
      return null;
    }
    let principal: ResolvedSession['principal'];
    if (session.personId) {
      const person = await this.sessions.findPerson(session.personId);
      if (!person || this.refusal(person)) return null;
      principal = {
        workspaceId: person.workspaceId,
        role: person.role,
        teamId: person.role === 'lead' ? person.teamId : null,
        via: 'session',
        personId: person.id,
      };
    } else {
      principal = { workspaceId: session.workspaceId, role: 'admin', teamId: null, via: 'session' };
    }
    if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
      await this.sessions.touchSession(session.id, now);
    }
    return { principal, csrfToken: this.csrfToken(sessionId) };
  }

  async signOut(sessionId: string): Promise<void> {
    await this.sessions.deleteSession(sha256(sessionId));
  }

  /** Derived from the session id (which only the cookie holds), so nothing more is stored. */
  csrfToken(sessionId: string): string {
    return createHash('sha256').update('pulsedesk-csrf\0').update(sessionId).digest('base64url');
  }

  csrfMatches(sessionId: string, sent: string | undefined): boolean {
    if (!sent) return false;
    const expected = Buffer.from(this.csrfToken(sessionId));
    const given = Buffer.from(sent);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** Secure cookies only when users reach us over https (a plain-http localhost would drop them). */
  get secureCookies(): boolean {
    return this.config.publicUrl.startsWith('https:');
  }

  private refusal(person: SessionPerson): 'agent' | 'lead_without_team' | null {
    if (!person.active || !DASHBOARD_ROLES.includes(person.role)) return 'agent';
    if (person.role === 'lead' && !person.teamId) return 'lead_without_team';
    return null;
  }

  private async issueLink(
    workspaceId: string | null,
    personId: string | null,
    baseUrl = this.config.publicUrl,
  ): Promise<Extract<LinkOutcome, { status: 'link' }>> {
    const now = this.clock.now();
    const token = newSecret();
    const expiresAt = new Date(now.getTime() + LINK_TTL_MS);
    await this.sessions.createLink({
      tokenHash: sha256(token),
      workspaceId,
      personId,
      createdAt: now,
      expiresAt,
    });
    return { status: 'link', url: `${baseUrl}/auth/link/${token}`, expiresAt };
  }
}
