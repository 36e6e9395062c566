import { EventEmitter, once } from 'node:events';

/** Counts work in progress, so a shutdown can wait until there is none. */
export class Activity {
  private count = 0;
  private readonly events = new EventEmitter();

  get inProgress(): number {
    return this.count;
  }

  async track<T>(work: () => Promise<T>): Promise<T> {
    this.count++;
    try {
      return await work();
    } finally {
      if (--this.count === 0) this.events.emit('idle');
    }
  }

  /**
   * True once nothing is in progress, checked again after the callbacks that follow the last
   * piece of work ended (they may start the next: a job queue's poll returning jobs starts
   * their handler); false if work is still in progress after `timeoutMs`.
   */
  async settled(timeoutMs: number): Promise<boolean> {
    const deadline = AbortSignal.timeout(timeoutMs);
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.count === 0) return true;
      try {
        await once(this.events, 'idle', { signal: deadline });
      } catch {
        return false;
      }
    }
  }
}
