/**
 * A TCP proxy in front of the test database that can hold what its clients send: a test points
 * one client (a replica's job queue) at it to have that client's statements in flight — sent,
 * not yet run — at a moment the test chooses, then lets them through.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

interface Link {
  client: Socket;
  upstream: Socket;
  held: Buffer[];
}

export class HoldingProxy {
  private readonly links = new Set<Link>();
  private holding = false;
  private readonly server = createServer((client) => this.link(client));
  private target!: URL;
  /** The database's URL, through this proxy. */
  url = '';

  static async start(databaseUrl: string): Promise<HoldingProxy> {
    const proxy = new HoldingProxy();
    proxy.target = new URL(databaseUrl);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    const via = new URL(databaseUrl);
    via.hostname = '127.0.0.1';
    via.port = String((proxy.server.address() as AddressInfo).port);
    proxy.url = via.href;
    return proxy;
  }

  /** From now on, what clients send is kept here instead of reaching the database. */
  hold(): void {
    this.holding = true;
  }

  /** Connections whose client has sent something the proxy is holding. */
  heldConnections(): number {
    return [...this.links].filter((l) => l.held.length > 0).length;
  }

  /** Sends everything held, in order, and stops holding. */
  release(): void {
    this.holding = false;
    for (const link of this.links) {
      for (const chunk of link.held.splice(0)) link.upstream.write(chunk);
    }
  }

  async stop(): Promise<void> {
    this.release();
    for (const link of this.links) link.client.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private link(client: Socket): void {
    const upstream = connect(Number(this.target.port || 5432), this.target.hostname);
    const link: Link = { client, upstream, held: [] };
    this.links.add(link);
    client.on('data', (chunk: Buffer) => {
      if (this.holding) link.held.push(chunk);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const drop = () => {
      this.links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop).on('error', drop);
    upstream.on('close', drop).on('error', drop);
  }
}
