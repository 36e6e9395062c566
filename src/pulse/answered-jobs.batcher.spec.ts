import type { JobsService } from '../jobs/jobs.service';
import { AnsweredJobsBatcher } from './answered-jobs.batcher';

describe('AnsweredJobsBatcher', () => {
  function setup(sendMany: (queue: string, jobs: unknown[]) => Promise<void>) {
    const jobs = { sendMany: jest.fn(sendMany) };
    return { jobs, batcher: new AnsweredJobsBatcher(jobs as unknown as JobsService) };
  }
  const job = (i: number) => ({ roundId: 'r1', personId: `p${i}` });

  it('stores the jobs enqueued in one turn with one insert, and resolves each caller after it', async () => {
    const { jobs, batcher } = setup(async () => undefined);
    await Promise.all([1, 2, 3].map((i) => batcher.enqueue(job(i))));
    expect(jobs.sendMany.mock.calls).toEqual([
      ['pulse.answered', [1, 2, 3].map((i) => ({ data: job(i) }))],
    ]);
  });

  it('stores what arrives during an insert with the next one', async () => {
    let release!: () => void;
    const { jobs, batcher } = setup(() => new Promise<void>((resolve) => (release = resolve)));
    const first = batcher.enqueue(job(1));
    await new Promise((resolve) => setImmediate(resolve));
    const later = [batcher.enqueue(job(2)), batcher.enqueue(job(3))];
    release();
    await first;
    for (let i = 0; i < 50 && jobs.sendMany.mock.calls.length < 2; i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    release();
    await Promise.all(later);
    expect(jobs.sendMany.mock.calls.map(([, batch]) => batch)).toEqual([
      [{ data: job(1) }],
      [{ data: job(2) }, { data: job(3) }],
    ]);
  });

  it('fails every caller of a batch whose insert failed, and goes on with the next', async () => {
    const { batcher } = setup(async (_queue, batch) => {
      if (batch.length === 2) throw new Error('queue down');
    });
    const failed = [batcher.enqueue(job(1)), batcher.enqueue(job(2))];
    await expect(Promise.all(failed)).rejects.toThrow('queue down');
    await expect(failed[1]).rejects.toThrow('queue down');
    await expect(batcher.enqueue(job(3))).resolves.toBeUndefined();
  });
});
