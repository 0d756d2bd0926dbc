import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  /** The loopback port the proxy listens on. */
  port: number;
  /** Resets every live connection (both sides) at once, as a failover or a cut cable would. */
  cut(): number;
  /** While refusing, new connections are reset as soon as they arrive. */
  refuse(refusing: boolean): void;
  /**
   * Cuts every connection once the clients have sent `bytes` more bytes towards the server:
   * a cut in the middle of a known amount of work (a sync's writes), whatever the timing.
   * Resolves with the number of connections cut.
   */
  cutAfterBytes(bytes: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy in front of a server (PostgreSQL in the tests), on a free port, that
 * a test can cut mid-stream: the faults a process meets when its database goes away.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const live = new Set<Socket>();
  let refusing = false;
  let armed: { left: number; fire(): void } | undefined;
  const track = (socket: Socket) => {
    live.add(socket);
    socket.on('close', () => live.delete(socket));
    // A reset reaches the other side as ECONNRESET; here it is expected, not a failure of the test.
    socket.on('error', () => {});
  };
  const server = createServer((client) => {
    track(client);
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.on('data', (chunk: Buffer) => {
      if (!armed) return;
      armed.left -= chunk.length;
      if (armed.left <= 0) armed.fire();
    });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const cut = () => {
    const count = live.size;
    for (const socket of live) socket.resetAndDestroy();
    return count;
  };
  return {
    port: (server.address() as AddressInfo).port,
    cut,
    cutAfterBytes(bytes) {
      return new Promise<number>((resolve) => {
        armed = {
          left: bytes,
          fire() {
            armed = undefined;
            resolve(cut());
          },
        };
      });
    },
    refuse(value) {
      refusing = value;
    },
    async close() {
      for (const socket of live) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
