import { Coalescer } from './coalescer';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('Coalescer', () => {
  it('runs what is submitted in one turn as one batch and gives each caller its own result', async () => {
    const run = jest.fn(async (items: number[]) => items.map((n) => n * 10));
    const c = new Coalescer(run, { maxBatch: 10 });
    await expect(Promise.all([1, 2, 3].map((n) => c.submit(n)))).resolves.toEqual([10, 20, 30]);
    expect(run.mock.calls).toEqual([[[1, 2, 3]]]);
  });

  it('batches what arrives while a batch runs into the next one, at most maxBatch each', async () => {
    const releases: (() => void)[] = [];
    const run = jest.fn(
      (items: number[]) =>
        new Promise<number[]>((resolve) => releases.push(() => resolve(items.map((n) => -n)))),
    );
    const c = new Coalescer(run, { maxBatch: 2 });
    const first = c.submit(1);
    await nextTurn();
    const later = [2, 3, 4].map((n) => c.submit(n));
    releases.shift()!();
    await expect(first).resolves.toBe(-1);
    await nextTurn();
    releases.shift()!();
    await nextTurn();
    releases.shift()!();
    await expect(Promise.all(later)).resolves.toEqual([-2, -3, -4]);
    expect(run.mock.calls.map(([items]) => items)).toEqual([[1], [2, 3], [4]]);
  });

  it('fails every caller of a failed batch, then goes on', async () => {
    const c = new Coalescer(
      async (items: number[]) => {
        if (items.length === 2) throw new Error('down');
        return items;
      },
      { maxBatch: 10 },
    );
    const failed = [c.submit(1), c.submit(2)];
    await expect(failed[0]).rejects.toThrow('down');
    await expect(failed[1]).rejects.toThrow('down');
    await expect(c.submit(3)).resolves.toBe(3);
  });

  it('with isolateFailures, a bad item fails only its own caller', async () => {
    const run = jest.fn(async (items: number[]) => {
      if (items.includes(13)) throw new Error(`bad item in ${items.join(',')}`);
      return items.map((n) => n + 1);
    });
    const c = new Coalescer(run, { maxBatch: 10, isolateFailures: true });
    const results = await Promise.allSettled([1, 13, 2].map((n) => c.submit(n)));
    expect(results).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: new Error('bad item in 13') },
      { status: 'fulfilled', value: 3 },
    ]);
    expect(run.mock.calls.map(([items]) => items)).toEqual([[1, 13, 2], [1], [13], [2]]);
  });
});
