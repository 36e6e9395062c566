/**
 * The clock is an injected adapter: services never call `new Date()` or `setTimeout` for
 * business waits, so tests set the time and skip the waiting.
 */
export abstract class Clock {
  abstract now(): Date;
  abstract sleep(ms: number): Promise<void>;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
