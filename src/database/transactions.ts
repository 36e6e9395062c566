/**
 * One ambient transaction. A service opens a transaction with `@Transactional()` or
 * `txHost.withTransaction(...)`; every repository and `JobsService` reads `txHost.tx`, which is
 * that transaction's EntityManager inside it and the DataSource's manager outside. Nothing
 * passes a manager around (nestjs-cls keeps the transaction in an AsyncLocalStorage context).
 *
 * The embedded engine (PGlite) is one session that runs one transaction at a time: a query on
 * another connection while a transaction is open waits for that transaction, which waits for
 * the query — a deadlock. `ConnectionGuard` makes that mistake an immediate, clear error on
 * both engines (so CI on the server catches it too): inside a transaction, asking the
 * DataSource for a new connection throws `OtherConnectionInTransaction`.
 */
import { Global, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { ClsPluginTransactional, TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { DataSource } from 'typeorm';

export { Propagation, Transactional, TransactionHost } from '@nestjs-cls/transactional';
export { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';

export class OtherConnectionInTransaction extends Error {
  constructor() {
    super(
      'A query asked for another database connection while a transaction is open in this ' +
        'context. Inside a transaction use only txHost.tx (the embedded engine would deadlock).',
    );
    this.name = 'OtherConnectionInTransaction';
  }
}

/** Refuses a new connection (TypeORM query runner) while a transaction is open in the context. */
@Injectable()
export class ConnectionGuard implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  onModuleInit(): void {
    guardConnections(this.dataSource, () => this.txHost.isTransactionActive());
  }
}

/**
 * Every TypeORM query outside a transaction, and every transaction's start, asks the DataSource
 * for a query runner (a pooled connection); a transaction's own queries use the runner it holds.
 */
export function guardConnections(dataSource: DataSource, inTransaction: () => boolean): void {
  const createQueryRunner = dataSource.createQueryRunner.bind(dataSource);
  dataSource.createQueryRunner = (...args) => {
    if (inTransaction()) throw new OtherConnectionInTransaction();
    return createQueryRunner(...args);
  };
}

/**
 * The CLS context (an HTTP request gets one from the middleware; Slack listeners and jobs from
 * their dispatchers) and the transactional plugin over the app's DataSource.
 */
@Global()
@Module({
  imports: [
    ClsModule.forRoot({
      global: true,
      middleware: { mount: true },
      plugins: [
        new ClsPluginTransactional({
          imports: [TypeOrmModule],
          adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource }),
        }),
      ],
    }),
  ],
  providers: [ConnectionGuard],
})
export class TransactionsModule {}
