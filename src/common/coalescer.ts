/**
 * Many callers, one round trip: what callers submit at about the same time runs as one batch,
 * and each caller gets its own result once the batch is done — as if it had run alone. A batch
 * is whatever was submitted before the event loop's next turn, plus whatever arrives while the
 * batches in flight run, so a lone caller waits for no timer and a crowd shares the round trips.
 */
import { AsyncResource } from 'node:async_hooks';

export interface CoalescerOptions {
  /** One batch holds at most this many; more wait for the next one. */
  maxBatch: number;
  /**
   * Batches running at once (default 1). More than one keeps a batch that is held up (waiting
   * for a lock) from holding up every caller behind it.
   */
  maxInFlight?: number;
  /**
   * Failures that are one item's fault (a constraint, a bad value): the failed batch is then run
   * again item by item, one at a time, so only that item's caller fails. Any other failure (the
   * database going away) fails the whole batch at once.
   */
  isolate?: (err: unknown) => boolean;
}

interface Waiting<T, R> {
  item: T;
  done: (result: R) => void;
  failed: (err: unknown) => void;
}

export class Coalescer<T, R> {
  /**
   * Batches run in the async context the coalescer was created in (at boot: none), never in a
   * caller's. Otherwise the first caller's context would reach every batch it started: its open
   * transaction (database/transactions.ts), joined by the other callers' writes.
   */
  private readonly ownContext = new AsyncResource('Coalescer');
  private waiting: Waiting<T, R>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxInFlight: number;

  /** `run` returns one result per item, in the items' order. */
  constructor(
    private readonly run: (items: T[]) => Promise<R[]>,
    private readonly options: CoalescerOptions,
  ) {
    this.maxInFlight = options.maxInFlight ?? 1;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((done, failed) => {
      this.waiting.push({ item, done, failed });
      this.schedule();
    });
  }

  /** Starts a batch on the next turn, when one may run and someone waits. */
  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0 || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() =>
      this.ownContext.runInAsyncScope(() => {
        this.scheduled = false;
        this.startBatch();
      }),
    );
  }

  private startBatch(): void {
    if (this.waiting.length === 0 || this.inFlight >= this.maxInFlight) return;
    const batch = this.waiting.splice(0, this.options.maxBatch);
    this.inFlight++;
    void this.runBatch(batch).finally(() => {
      this.inFlight--;
      this.schedule();
    });
    // More waiting than one batch holds, and room for another batch.
    this.schedule();
  }

  private async runBatch(batch: Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((w) => w.item));
      batch.forEach((w, i) => w.done(results[i]));
    } catch (err) {
      if (batch.length === 1 || !this.options.isolate?.(err)) {
        batch.forEach((w) => w.failed(err));
        return;
      }
      for (const w of batch) {
        try {
          const [result] = await this.run([w.item]);
          w.done(result);
        } catch (alone) {
          w.failed(alone);
        }
      }
    }
  }
}
