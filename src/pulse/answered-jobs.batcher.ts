/**
 * Queues the after-answer DM update (pulse.answered) of answers recorded at about the same time
 * with one insert: each caller waits until its job is stored, as with a single send, but answers
 * arriving together (many people answering one round) share the round trip. A batch is whatever
 * was enqueued before the event loop's next turn, so waiting adds no timer.
 */
import { Injectable } from '@nestjs/common';
import { JobsService } from '../jobs/jobs.service';
import { PULSE_QUEUES, RoundPersonJob } from './pulse.queues';

interface Waiting {
  job: RoundPersonJob;
  stored: () => void;
  failed: (err: unknown) => void;
}

/** One insert holds at most this many jobs; more wait for the next one. */
const MAX_BATCH = 200;

@Injectable()
export class AnsweredJobsBatcher {
  private waiting: Waiting[] = [];
  private flushing = false;

  constructor(private readonly jobs: JobsService) {}

  /** Resolves once the job is in the queue; rejects if storing its batch failed. */
  enqueue(job: RoundPersonJob): Promise<void> {
    return new Promise((stored, failed) => {
      this.waiting.push({ job, stored, failed });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.slice(0, MAX_BATCH);
      this.waiting = this.waiting.slice(batch.length);
      try {
        await this.jobs.sendMany<RoundPersonJob>(
          PULSE_QUEUES.answered,
          batch.map((w) => ({ data: w.job })),
        );
        batch.forEach((w) => w.stored());
      } catch (err) {
        batch.forEach((w) => w.failed(err));
      }
    }
    this.flushing = false;
  }
}
