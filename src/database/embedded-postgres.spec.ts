import { serializeExtendedQueries } from './embedded-postgres';

/** A stand-in for pglite-socket's queue and PGlite, recording the order messages run in. */
function fakeServer(inTransaction = () => false) {
  const ran: string[] = [];
  const queryQueue = {
    queue: [] as {
      handlerId: number;
      message: Uint8Array;
      resolve: () => void;
      reject: (e: Error) => void;
      onData: () => void;
    }[],
    processing: false,
    lastHandlerId: null as number | null,
    db: {
      isInTransaction: inTransaction,
      runExclusive: <T>(fn: () => Promise<T>) => fn(),
      execProtocolRawStream: async (message: Uint8Array) => {
        const type = String.fromCharCode(message[0]);
        if (type === '!') throw new Error('boom');
        ran.push(`${message[1]}:${type}`);
      },
    },
    processQueue: async () => undefined,
    clearQueueForHandler(handlerId: number) {
      this.queue = this.queue.filter((q) => q.handlerId !== handlerId);
    },
  };
  const server = { queryQueue };
  serializeExtendedQueries(server);
  const push = (handlerId: number, type: string) =>
    new Promise<void>((resolve, reject) => {
      queryQueue.queue.push({
        handlerId,
        message: new Uint8Array([type.charCodeAt(0), handlerId]),
        resolve,
        reject,
        onData: () => undefined,
      });
    });
  return { queryQueue, ran, push };
}

describe('serializeExtendedQueries', () => {
  it('keeps a connection’s Parse … Sync together even when another connection queued in between', async () => {
    const { queryQueue, ran, push } = fakeServer();
    const done = [
      push(1, 'P'),
      push(2, 'P'),
      push(2, 'B'),
      push(2, 'S'),
      push(1, 'B'),
      push(1, 'E'),
      push(1, 'S'),
    ];
    await queryQueue.processQueue();
    await Promise.all(done);
    expect(ran).toEqual(['1:P', '1:B', '1:E', '1:S', '2:P', '2:B', '2:S']);
  });

  it('waits for the owner’s next message instead of running another connection’s', async () => {
    const { queryQueue, ran, push } = fakeServer();
    void push(1, 'P');
    void push(2, 'Q');
    await queryQueue.processQueue();
    expect(ran).toEqual(['1:P']);
    const rest = [push(1, 'S')];
    await queryQueue.processQueue();
    await Promise.all(rest);
    expect(ran).toEqual(['1:P', '1:S', '2:Q']);
  });

  it('does not stay blocked after a failed message', async () => {
    const { queryQueue, ran, push } = fakeServer();
    const failed = push(1, '!');
    const next = push(2, 'Q');
    await queryQueue.processQueue();
    await expect(failed).rejects.toThrow('boom');
    await next;
    expect(ran).toEqual(['2:Q']);
    expect(queryQueue.processing).toBe(false);
  });

  it('refuses to run against a pglite-socket whose internals changed', () => {
    expect(() => serializeExtendedQueries({})).toThrow('internals changed');
  });
});
