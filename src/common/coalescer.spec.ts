import { AsyncLocalStorage } from 'node:async_hooks';
import { Coalescer } from './coalescer';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A `run` whose batches the test finishes by hand. */
function heldRuns() {
  const pending: { items: number[]; finish: () => void }[] = [];
  const run = jest.fn(
    (items: number[]) =>
      new Promise<number[]>((resolve) =>
        pending.push({ items, finish: () => resolve(items.map((n) => -n)) }),
      ),
  );
  /** Waits until `n` batches have started. */
  const started = async (n: number) => {
    for (let i = 0; i < 50 && run.mock.calls.length < n; i++) await nextTurn();
    expect(run.mock.calls).toHaveLength(n);
  };
  return { run, pending, started };
}

describe('Coalescer', () => {
  it('runs what is submitted in one turn as one batch and gives each caller its own result', async () => {
    const run = jest.fn(async (items: number[]) => items.map((n) => n * 10));
    const c = new Coalescer(run, { maxBatch: 10 });
    await expect(Promise.all([1, 2, 3].map((n) => c.submit(n)))).resolves.toEqual([10, 20, 30]);
    expect(run.mock.calls).toEqual([[[1, 2, 3]]]);
  });

  it('batches what arrives while a batch runs into the next one, at most maxBatch each', async () => {
    const { run, pending, started } = heldRuns();
    const c = new Coalescer(run, { maxBatch: 2 });
    const first = c.submit(1);
    await started(1);
    const later = [2, 3, 4].map((n) => c.submit(n));
    await nextTurn();
    // One batch at a time: nothing else starts while the first runs.
    expect(run.mock.calls).toHaveLength(1);
    pending[0].finish();
    await expect(first).resolves.toBe(-1);
    await started(2);
    pending[1].finish();
    await started(3);
    pending[2].finish();
    await expect(Promise.all(later)).resolves.toEqual([-2, -3, -4]);
    expect(run.mock.calls.map(([items]) => items)).toEqual([[1], [2, 3], [4]]);
  });

  it('runs up to maxInFlight batches at once, so one held-up batch does not hold up the rest', async () => {
    const { run, pending, started } = heldRuns();
    const c = new Coalescer(run, { maxBatch: 10, maxInFlight: 2 });
    const held = c.submit(1);
    await started(1);
    const second = c.submit(2);
    await started(2);
    const third = [c.submit(3), c.submit(4)];
    await nextTurn();
    expect(run.mock.calls).toHaveLength(2);
    // The second batch finishes while the first is still held up.
    pending[1].finish();
    await expect(second).resolves.toBe(-2);
    await started(3);
    expect(pending[2].items).toEqual([3, 4]);
    pending[2].finish();
    await expect(Promise.all(third)).resolves.toEqual([-3, -4]);
    pending[0].finish();
    await expect(held).resolves.toBe(-1);
  });

  it('fails every caller of a failed batch, then goes on', async () => {
    const c = new Coalescer(
      async (items: number[]) => {
        if (items.length === 2) throw new Error('down');
        return items;
      },
      { maxBatch: 10, isolate: () => false },
    );
    const failed = [c.submit(1), c.submit(2)];
    await expect(failed[0]).rejects.toThrow('down');
    await expect(failed[1]).rejects.toThrow('down');
    await expect(c.submit(3)).resolves.toBe(3);
  });

  it('runs a batch that failed through one item’s fault item by item: only that caller fails', async () => {
    const run = jest.fn(async (items: number[]) => {
      if (items.includes(13)) throw new Error(`bad item in ${items.join(',')}`);
      return items.map((n) => n + 1);
    });
    const c = new Coalescer(run, {
      maxBatch: 10,
      isolate: (err) => String(err).includes('bad item'),
    });
    const results = await Promise.allSettled([1, 13, 2].map((n) => c.submit(n)));
    expect(results).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: new Error('bad item in 13') },
      { status: 'fulfilled', value: 3 },
    ]);
    expect(run.mock.calls.map(([items]) => items)).toEqual([[1, 13, 2], [1], [13], [2]]);
  });

  it('runs batches outside every caller’s async context (no caller’s transaction leaks in)', async () => {
    // The ambient transaction lives in an AsyncLocalStorage: a batch started from a caller's
    // context would run inside that caller's transaction.
    const context = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const c = new Coalescer(
      async (items: number[]) => {
        seen.push(context.getStore());
        return items;
      },
      { maxBatch: 1 },
    );
    const results = await Promise.all([
      context.run('caller A', () => c.submit(1)),
      context.run('caller B', () => c.submit(2)),
    ]);
    expect(results).toEqual([1, 2]);
    expect(seen).toEqual([undefined, undefined]);
  });
});
