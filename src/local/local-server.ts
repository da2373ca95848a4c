/**
 * The life cycle the runner's local stand-ins share (the fake Bedrock, the fake AgentCore data plane): listen on
 * 127.0.0.1, say the URL to point an SDK at, and stop without waiting for clients' keep-alive connections, by
 * destroying every socket still open.
 */
import type * as net from 'net';

export class LocalServer {
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly server: net.Server) {}

  /** A new connection: each write leaves at once (no Nagle delay waiting for the client's ACK); `stop()` ends it. */
  track(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** `http://127.0.0.1:<port>`, once `start()` has resolved. */
  get url(): string {
    const address = this.server.address() as net.AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  /** Listens on 127.0.0.1 (`port` 0: any free port). */
  async start(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  /** Destroys the open connections, then closes the server. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
