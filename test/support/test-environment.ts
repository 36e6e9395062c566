/**
 * Jest's node environment, plus one check when a test file ends: every app the file started
 * (startTestApp) has been closed. An app left running keeps pg-boss polling after Jest has torn
 * the file down; run one file at a time (the year-ahead run in scripts/test-any-date.sh), it
 * then logged into a run that had ended and took the whole run down, far from the file at fault.
 *
 * Whatever is left is closed here, before the file's modules go. A file whose tests all passed
 * then fails, naming the apps (an afterAll is missing). A file that failed already (a beforeAll
 * that timed out before its world was assigned, say) keeps its own failures as the report: the
 * leftover is their consequence, and is only mentioned.
 */
import type { Circus } from '@jest/types';
import { TestEnvironment } from 'jest-environment-node';

/** Where test-app.ts keeps the file's open apps (URL → close), on the file's global object. */
export const OPEN_APPS = '__pulsedeskOpenApps';

type OpenApps = { size: number; keys(): Iterable<string>; values(): Iterable<() => Promise<void>> };

export default class PulsedeskTestEnvironment extends TestEnvironment {
  private failed = false;

  handleTestEvent(event: Circus.Event): void {
    if (event.name === 'hook_failure' || event.name === 'test_fn_failure') this.failed = true;
  }

  override async teardown(): Promise<void> {
    // A Map of the file's own realm: not `instanceof` this one's Map.
    const open = (this.global as Record<string, unknown>)[OPEN_APPS] as OpenApps | undefined;
    const left = open ? Array.from(open.keys()) : [];
    if (open && open.size > 0) {
      await Promise.allSettled(Array.from(open.values(), (close) => close()));
    }
    await super.teardown();
    if (left.length === 0) return;
    const what = `${left.length} app(s) still running when the file ended (${left.join(', ')})`;
    if (this.failed) {
      console.warn(`${what}: closed after the file's failures above.`);
      return;
    }
    throw new Error(`${what}: close every app the file starts (afterAll(() => world.close())).`);
  }
}
