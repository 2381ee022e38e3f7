import net, { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of the real Redis, so a test can take "Redis" down for this process only
 * (every connection cut, new ones refused) and bring it back on the same port, without stopping
 * the Redis server other test files share. It can also stall (connections stay open, nothing is
 * forwarded: the unreachable-but-not-refusing Redis of a network partition) and add latency.
 */
export interface TcpProxy {
  port: number;
  url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  /** Keeps every connection open and accepts new ones, but forwards nothing until resume(). */
  stall(): void;
  /** Forwards again everything held back while stalled, in order. */
  resume(): void;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /** Holds every chunk this long in each direction (a slow network between the app and Redis). */
  delayMs?: number;
}

/** One direction of one proxied connection: the chunks not yet forwarded, and where they go. */
interface Link {
  to: () => net.Socket | null;
  held: Buffer[];
  /** On the client-to-Redis link: opens the upstream connection (deferred while stalled). */
  connect?: () => void;
}

export async function startTcpProxy(target: { host: string; port: number }, options: TcpProxyOptions = {}): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const links = new Set<Link>();
  let server: net.Server | null = null;
  let port = 0;
  let stalled = false;

  const send = (link: Link, chunk: Buffer) => {
    const write = () => {
      const to = link.to();
      if (to && !to.destroyed) to.write(chunk);
    };
    if (options.delayMs) setTimeout(write, options.delayMs);
    else write();
  };
  const forward = (link: Link) => {
    if (stalled || !link.to()) return;
    for (const chunk of link.held.splice(0)) send(link, chunk);
  };
  const listen = () => new Promise<void>((resolve, reject) => {
    if (server) return resolve();
    server = net.createServer((client) => {
      let upstream: net.Socket | null = null;
      const toClient: Link = { to: () => client, held: [] };
      const toUpstream: Link = { to: () => upstream, held: [] };
      sockets.add(client);
      links.add(toClient).add(toUpstream);
      const drop = () => {
        client.destroy();
        upstream?.destroy();
        sockets.delete(client);
        if (upstream) sockets.delete(upstream);
        links.delete(toClient);
        links.delete(toUpstream);
      };
      const connectUpstream = () => {
        if (upstream || client.destroyed) return;
        upstream = net.connect(target.port, target.host);
        sockets.add(upstream);
        upstream.on('error', drop).on('close', drop);
        upstream.on('data', (chunk: Buffer) => {
          toClient.held.push(chunk);
          forward(toClient);
        });
        forward(toUpstream);
      };
      client.on('error', drop).on('close', drop);
      client.on('data', (chunk: Buffer) => {
        toUpstream.held.push(chunk);
        forward(toUpstream);
      });
      toUpstream.connect = connectUpstream;
      if (!stalled) connectUpstream();
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      port = (server!.address() as AddressInfo).port;
      resolve();
    });
  });
  const down = async () => {
    const closing = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    links.clear();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  const stall = () => {
    stalled = true;
  };
  const resume = () => {
    stalled = false;
    for (const link of links) {
      link.connect?.();
      forward(link);
    }
  };
  await listen();
  return { port, url: `redis://127.0.0.1:${port}`, down, up: listen, stall, resume, close: down };
}
