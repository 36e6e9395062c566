/**
 * Queues the after-answer DM update (pulse.answered) of answers recorded at about the same time
 * with one insert: each caller waits until its job is stored, as with a single send, but answers
 * arriving together (many people answering one round) share the round trip (Coalescer).
 */
import { Injectable } from '@nestjs/common';
import { Coalescer } from '../common/coalescer';
import { JobsService } from '../jobs/jobs.service';
import { PULSE_QUEUES, RoundPersonJobData } from './pulse.queues';

@Injectable()
export class AnsweredJobsBatcher {
  private readonly batches: Coalescer<RoundPersonJobData, void>;

  constructor(private readonly jobs: JobsService) {
    this.batches = new Coalescer<RoundPersonJobData, void>(
      async (batch) => {
        await this.jobs.sendMany<RoundPersonJobData>(
          PULSE_QUEUES.answered,
          batch.map((data) => ({ data })),
        );
        return batch.map(() => undefined);
      },
      { maxBatch: 200 },
    );
  }

  /** Resolves once the job is in the queue; rejects if storing its batch failed. */
  enqueue(job: RoundPersonJobData): Promise<void> {
    return this.batches.submit(job);
  }
}
