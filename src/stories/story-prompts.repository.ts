/** Who opted in to the weekly story prompt, their place in the bank and the weeks they were prompted. */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { updateReturning } from '../database/returning';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';

export interface PromptSubscriber {
  personId: string;
  workspaceId: string;
  tz: string;
  hour: number;
  lastWeek: string | null;
}

@Injectable()
export class StoryPromptsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /** The ambient transaction's manager, or the DataSource's outside one. */
  private get db(): EntityManager {
    return this.txHost.tx;
  }

  async subscribe(workspaceId: string, personId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO story_prompts (person_id, workspace_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [personId, workspaceId],
    );
  }

  async unsubscribe(personId: string): Promise<void> {
    await this.db.query(`DELETE FROM story_prompts WHERE person_id = $1`, [personId]);
  }

  async isSubscribed(personId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM story_prompts WHERE person_id = $1`,
      [personId],
    );
    return rows.length > 0;
  }

  /** Every active subscriber with their zone and their workspace's prompt hour. */
  async subscribers(): Promise<PromptSubscriber[]> {
    const rows: {
      person_id: string;
      workspace_id: string;
      tz: string;
      hour: number;
      last_week: string | null;
    }[] = await this.db.query(
      `SELECT sp.person_id, sp.workspace_id, p.tz, w.story_prompt_hour AS hour, sp.last_week
       FROM story_prompts sp
       JOIN people p ON p.id = sp.person_id AND p.active
       JOIN workspaces w ON w.id = sp.workspace_id`,
    );
    return rows.map((r) => ({
      personId: r.person_id,
      workspaceId: r.workspace_id,
      tz: r.tz,
      hour: Number(r.hour),
      lastWeek: r.last_week,
    }));
  }

  /**
   * Claims a subscriber's prompt of one week and takes the next question; null when this week
   * was claimed already (a second tick, another replica).
   */
  async claimWeek(personId: string, week: string): Promise<number | null> {
    const [row] = await updateReturning<{ position: number }>(
      this.db,
      `UPDATE story_prompts SET last_week = $2, next_question = next_question + 1
       WHERE person_id = $1 AND last_week IS DISTINCT FROM $2
       RETURNING next_question - 1 AS position`,
      [personId, week],
    );
    return row ? Number(row.position) : null;
  }
}
