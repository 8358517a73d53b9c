import { createConnection, createServer, Socket } from 'node:net';
import { freePort } from './free-port';

/**
 * A TCP proxy in front of Redis that can make its open connections go silent
 * in both directions without closing them: what a crashed node or a dropped
 * NAT entry does to a client. New connections pass as usual.
 */
export class BlackholeProxy {
  private readonly open = new Set<[Socket, Socket]>();
  private readonly silenced: Socket[] = [];
  private readonly server = createServer((client) => this.forward(client));

  private constructor(
    private readonly targetPort: number,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<BlackholeProxy> {
    const proxy = new BlackholeProxy(targetPort, await freePort());
    await new Promise<void>((resolve) => proxy.server.listen(proxy.port, '127.0.0.1', resolve));
    return proxy;
  }

  /** Every open connection stops passing data, and stays open. Returns how many. */
  blackholeOpenConnections(): number {
    const count = this.open.size;
    for (const [client, upstream] of this.open) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      for (const socket of [client, upstream]) {
        socket.removeAllListeners('close');
        socket.on('data', () => undefined);
        this.silenced.push(socket);
      }
    }
    this.open.clear();
    return count;
  }

  async stop(): Promise<void> {
    for (const socket of this.silenced) socket.destroy();
    for (const [client, upstream] of this.open) [client, upstream].forEach((s) => s.destroy());
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket): void {
    const upstream = createConnection(this.targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    this.open.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      this.open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) socket.on('close', close).on('error', close);
  }
}
