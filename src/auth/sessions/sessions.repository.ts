/**
 * Sign-in links and dashboard sessions in Postgres. Only SHA-256 hashes of the secrets are
 * stored; every method names one intention, and the service decides what a row means.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../../database/transactions';
import { updateReturning } from '../../database/returning';
import type { Role } from '../../people/person.entity';

export interface LinkRow {
  workspaceId: string | null;
  personId: string | null;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface SessionRow {
  id: string;
  workspaceId: string | null;
  personId: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

export interface SessionPerson {
  id: string;
  workspaceId: string;
  role: Role;
  teamId: string | null;
  active: boolean;
}

@Injectable()
export class SessionsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /** The ambient transaction's manager, or the DataSource's outside one. */
  private get db(): EntityManager {
    return this.txHost.tx;
  }

  async createLink(link: {
    tokenHash: string;
    workspaceId: string | null;
    personId: string | null;
    createdAt: Date;
    expiresAt: Date;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO sign_in_links (token_hash, workspace_id, person_id, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [link.tokenHash, link.workspaceId, link.personId, link.createdAt, link.expiresAt],
    );
  }

  /** Marks the link used if it is unused and unexpired at `now`; one caller wins. */
  async burnLink(tokenHash: string, now: Date): Promise<LinkRow | null> {
    const rows = await updateReturning<Record<string, unknown>>(
      this.db,
      `UPDATE sign_in_links SET used_at = $2
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
        RETURNING workspace_id, person_id, expires_at, used_at`,
      [tokenHash, now],
    );
    return rows.length ? toLink(rows[0]) : null;
  }

  async findLink(tokenHash: string): Promise<LinkRow | null> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT workspace_id, person_id, expires_at, used_at FROM sign_in_links WHERE token_hash = $1`,
      [tokenHash],
    );
    return rows.length ? toLink(rows[0]) : null;
  }

  async createSession(session: {
    sessionHash: string;
    workspaceId: string | null;
    personId: string | null;
    createdAt: Date;
    expiresAt: Date;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO dashboard_sessions
         (session_hash, workspace_id, person_id, created_at, last_seen_at, expires_at)
       VALUES ($1, $2, $3, $4, $4, $5)`,
      [
        session.sessionHash,
        session.workspaceId,
        session.personId,
        session.createdAt,
        session.expiresAt,
      ],
    );
  }

  async findSession(sessionHash: string): Promise<SessionRow | null> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT id, workspace_id, person_id, created_at, last_seen_at, expires_at
         FROM dashboard_sessions WHERE session_hash = $1`,
      [sessionHash],
    );
    if (!rows.length) return null;
    const r = rows[0];
    return {
      id: r.id as string,
      workspaceId: (r.workspace_id as string | null) ?? null,
      personId: (r.person_id as string | null) ?? null,
      createdAt: new Date(r.created_at as string),
      lastSeenAt: new Date(r.last_seen_at as string),
      expiresAt: new Date(r.expires_at as string),
    };
  }

  async touchSession(id: string, at: Date): Promise<void> {
    await this.db.query(`UPDATE dashboard_sessions SET last_seen_at = $2 WHERE id = $1`, [id, at]);
  }

  async deleteSession(sessionHash: string): Promise<void> {
    await this.db.query(`DELETE FROM dashboard_sessions WHERE session_hash = $1`, [sessionHash]);
  }

  /** Sessions past their absolute expiry and links past theirs are of no use to anyone. */
  async deleteExpired(now: Date): Promise<void> {
    await this.db.query(`DELETE FROM dashboard_sessions WHERE expires_at <= $1`, [now]);
    await this.db.query(`DELETE FROM sign_in_links WHERE expires_at <= $1`, [now]);
  }

  async findPerson(personId: string): Promise<SessionPerson | null> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT id, workspace_id, role, team_id, active FROM people WHERE id = $1`,
      [personId],
    );
    return rows.length ? toPerson(rows[0]) : null;
  }

  async findPersonBySlack(slackTeamId: string, slackUserId: string): Promise<SessionPerson | null> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT p.id, p.workspace_id, p.role, p.team_id, p.active
         FROM people p JOIN workspaces w ON w.id = p.workspace_id
        WHERE w.slack_team_id = $1 AND p.slack_user_id = $2`,
      [slackTeamId, slackUserId],
    );
    return rows.length ? toPerson(rows[0]) : null;
  }
}

function toLink(r: Record<string, unknown>): LinkRow {
  return {
    workspaceId: (r.workspace_id as string | null) ?? null,
    personId: (r.person_id as string | null) ?? null,
    expiresAt: new Date(r.expires_at as string),
    usedAt: r.used_at ? new Date(r.used_at as string) : null,
  };
}

function toPerson(r: Record<string, unknown>): SessionPerson {
  return {
    id: r.id as string,
    workspaceId: r.workspace_id as string,
    role: r.role as Role,
    teamId: (r.team_id as string | null) ?? null,
    active: r.active as boolean,
  };
}
