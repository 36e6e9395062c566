import { DiscoveryService } from '@nestjs/core';

export interface JobOptions {
  /** Queue name, e.g. `people.sync`. */
  queue: string;
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  /**
   * The longest wait before a retry (default RETRY_DELAY_MAX_SECONDS): pg-boss doubles the
   * delay each time without a bound; JobsService draws a later retry between half of this and
   * all of it instead.
   */
  retryDelayMaxSeconds?: number;
  expireInSeconds?: number;
  /**
   * pg-boss queue policy. `standard` (default): every send is a job. `stately`: per singleton
   * key, at most one job waiting and one running (a sync that must not pile up). `short`: at
   * most one waiting per key. `singleton`: at most one running per key.
   */
  policy?: 'standard' | 'short' | 'singleton' | 'stately';
  /** A cron expression (UTC): pg-boss then queues one job per tick across all replicas. */
  cron?: string;
  /** Jobs fetched per poll (default 10), run concurrently, each completing or failing on its own. */
  batchSize?: number;
  /**
   * Polling workers per process (default 1). A worker fetches its next batch only when its
   * whole batch is done, so a queue whose jobs wait on something (a paced Slack call) needs
   * several to keep its throughput.
   */
  workers?: number;
  /**
   * Events this queue subscribes to (see JobsService.emit): every emit of one of them queues a
   * job here with the event's data, in the emitter's transaction.
   */
  on?: string[];
}

/** A job handler: one class per job, thin, calling one service method. */
export interface JobHandler<T = unknown> {
  handle(data: T, meta: { id: string; retryCount: number }): Promise<void>;
}

/** Marks a provider as the handler of a queue; JobsService finds it at bootstrap. */
export const Job = DiscoveryService.createDecorator<JobOptions>();
