/**
 * Many callers, one round trip: what callers submit at about the same time runs as one batch,
 * and each caller gets its own result once the batch is done — as if it had run alone. A batch
 * is whatever was submitted before the event loop's next turn, plus whatever arrives while the
 * previous batch runs, so a lone caller waits for no timer and a crowd shares the round trips.
 */
export interface CoalescerOptions {
  /** One batch holds at most this many; more wait for the next one. */
  maxBatch: number;
  /**
   * When a batch fails, run each of its items alone, so one bad item fails only its own caller
   * (for statements where one row's error would abort the whole batch).
   */
  isolateFailures?: boolean;
}

interface Waiting<T, R> {
  item: T;
  done: (result: R) => void;
  failed: (err: unknown) => void;
}

export class Coalescer<T, R> {
  private waiting: Waiting<T, R>[] = [];
  private flushing = false;

  /** `run` returns one result per item, in the items' order. */
  constructor(
    private readonly run: (items: T[]) => Promise<R[]>,
    private readonly options: CoalescerOptions,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((done, failed) => {
      this.waiting.push({ item, done, failed });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.slice(0, this.options.maxBatch);
      this.waiting = this.waiting.slice(batch.length);
      try {
        const results = await this.run(batch.map((w) => w.item));
        batch.forEach((w, i) => w.done(results[i]));
      } catch (err) {
        if (this.options.isolateFailures && batch.length > 1) {
          await Promise.all(
            batch.map(async (w) => {
              try {
                const [result] = await this.run([w.item]);
                w.done(result);
              } catch (alone) {
                w.failed(alone);
              }
            }),
          );
        } else {
          batch.forEach((w) => w.failed(err));
        }
      }
    }
    this.flushing = false;
  }
}
