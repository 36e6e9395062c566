/**
 * The ambient transaction (src/database/transactions.ts) on the test database: repositories and
 * the job queue join the transaction open in their context; inside one, a query that would take
 * another connection — which deadlocks the embedded engine, one session running one transaction
 * at a time — is refused at once with a clear error; contexts do not leak between callers.
 */
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  OtherConnectionInTransaction,
  Propagation,
  Transactional,
  TransactionHost,
  TransactionalAdapterTypeOrm,
  TransactionsModule,
} from '../../src/database/transactions';
import { acquireTestDatabase, TestDatabase } from '../support/test-database';

/** A repository as the app writes them: it reads `txHost.tx`, never a manager argument. */
@Injectable()
class NotesRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  async add(text: string): Promise<void> {
    await this.txHost.tx.query('INSERT INTO tx_notes (text) VALUES ($1)', [text]);
  }

  async currentTxid(): Promise<number> {
    const [row] = await this.txHost.tx.query('SELECT txid_current() AS txid');
    return Number(row.txid);
  }
}

@Injectable()
class NotesService {
  constructor(private readonly notes: NotesRepository) {}

  @Transactional()
  async addTwoThenFail(a: string, b: string): Promise<void> {
    await this.notes.add(a);
    await this.notes.add(b);
    throw new Error('after both writes');
  }

  @Transactional()
  async txidsSeen(): Promise<number[]> {
    return [await this.notes.currentTxid(), await this.notes.currentTxid()];
  }
}

describe('the ambient transaction', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let ds: DataSource;
  let txHost: TransactionHost<TransactionalAdapterTypeOrm>;

  beforeAll(async () => {
    db = await acquireTestDatabase();
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url: db.url, extra: { max: 4 } }),
        TransactionsModule,
      ],
      providers: [NotesRepository, NotesService],
    }).compile();
    app = await moduleRef.createNestApplication().init();
    ds = app.get(DataSource);
    txHost = app.get(TransactionHost);
    await ds.query('CREATE TABLE tx_notes (id serial PRIMARY KEY, text text NOT NULL)');
  });

  afterAll(async () => {
    await app?.close();
    await db?.release();
  });

  const notes = async (): Promise<string[]> =>
    (await ds.query('SELECT text FROM tx_notes ORDER BY id')).map((r: { text: string }) => r.text);

  beforeEach(() => ds.query('DELETE FROM tx_notes'));

  it('runs every repository call of a @Transactional method in one transaction', async () => {
    const [first, second] = await app.get(NotesService).txidsSeen();
    expect(second).toBe(first);
    await expect(app.get(NotesService).addTwoThenFail('a', 'b')).rejects.toThrow('after both');
    expect(await notes()).toEqual([]);
  });

  it('commits what the repositories wrote when the transaction succeeds', async () => {
    await txHost.withTransaction(async () => {
      await app.get(NotesRepository).add('kept');
    });
    expect(await notes()).toEqual(['kept']);
  });

  it('refuses, at once, a query on another connection inside a transaction', async () => {
    const outcome = await txHost
      .withTransaction(async () => {
        await app.get(NotesRepository).add('inside');
        // The DataSource (or a repository injected from it) would take a pooled connection: on
        // the embedded engine that query waits for this transaction, which waits for it.
        await ds.query('SELECT 1');
      })
      .catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(OtherConnectionInTransaction);
    expect((outcome as Error).message).toMatch(/use only txHost\.tx/);
    // The whole transaction rolled back with it.
    expect(await notes()).toEqual([]);
  });

  it('refuses a second, independent transaction opened inside one', async () => {
    const outcome = await txHost
      .withTransaction(() =>
        txHost.withTransaction(Propagation.RequiresNew, () => app.get(NotesRepository).add('x')),
      )
      .catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(OtherConnectionInTransaction);
    expect(await notes()).toEqual([]);
  });

  it('keeps each caller’s transaction to itself when callers run at once', async () => {
    const repo = app.get(NotesRepository);
    const results = await Promise.allSettled([
      txHost.withTransaction(async () => {
        await repo.add('committed');
      }),
      txHost.withTransaction(async () => {
        await repo.add('rolled back');
        throw new Error('abort');
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(await notes()).toEqual(['committed']);
  });

  it('uses a pooled connection again once the transaction has ended', async () => {
    await txHost.withTransaction(() => app.get(NotesRepository).add('before'));
    await expect(ds.query('SELECT count(*)::int AS n FROM tx_notes')).resolves.toEqual([{ n: 1 }]);
  });
});
