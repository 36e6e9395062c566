/**
 * Jest setup (before each test file's modules): pg-boss's `delay` requires `node:timers/promises`
 * on every call. pg-boss keeps a loop or two running for a moment after `stop()` resolves (its
 * offWork poll waits for workers with `delay(1000)`); when a test file ends inside that moment,
 * the next call's `require` runs after Jest has torn the file's module registry down, and the
 * whole file is reported failed ("Cannot destructure property 'setTimeout'"), its tests all
 * passed. This gives pg-boss the same `delay`, with the module taken once, here: the loop then
 * ends on its own. Only tests load this; the app runs pg-boss as published.
 */
import * as timers from 'node:timers/promises';

type AbortableDelay = Promise<void> & { abort: () => void };

function delay(ms: number, error?: string): AbortableDelay {
  const ac = new AbortController();
  const promise = new Promise<void>((resolve, reject) => {
    timers
      .setTimeout(ms, null, { signal: ac.signal })
      .then(() => (error ? reject(new Error(error)) : resolve()))
      .catch(() => resolve());
  }) as AbortableDelay;
  promise.abort = () => {
    if (!ac.signal.aborted) ac.abort();
  };
  return promise;
}

// Loaded before pg-boss's own modules, which take `delay` from this exports object when they load.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tools = require('pg-boss/src/tools') as { delay: typeof delay };
tools.delay = delay;
