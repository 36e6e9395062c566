import { Clock } from '../../src/common/clock';

/** A clock tests move by hand; `sleep` advances it instead of waiting. */
export class TestClock extends Clock {
  private current: number;

  constructor(start: Date | string = '2026-11-25T09:00:00Z') {
    super();
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Milliseconds, for helpers that take `() => number` (the Slack stand-in). */
  readonly nowMs = (): number => this.current;

  set(at: Date | string): void {
    this.current = new Date(at).getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }

  sleep(ms: number): Promise<void> {
    this.current += ms;
    return Promise.resolve();
  }
}
