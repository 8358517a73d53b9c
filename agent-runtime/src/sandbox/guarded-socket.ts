import { chmod, lstat, rm } from 'node:fs/promises';
import { createServer, Server, Socket } from 'node:net';

/**
 * The server's listening socket, kept at its path. The socket's directory is
 * writable by the sandbox's uid, so a command can move the socket away and
 * listen at its path to receive the agent's next requests (and a push token).
 * `restore()` checks that the path is still the socket this server bound
 * (device and inode as recorded at listen) and, if it is not, removes what
 * took its place and listens there again.
 */
export class GuardedSocket {
  private server?: Server;
  private bound?: { dev: number; ino: number };
  /** The last check, settled or not. */
  private checked: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly onConnection: (socket: Socket) => void,
  ) {}

  async listen(): Promise<void> {
    // A socket file left by a previous server (or put there by a command) would make listen fail.
    await rm(this.path, { recursive: true, force: true });
    const server = createServer(this.onConnection);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => resolve());
    });
    this.server = server;
    // The agent connects through the shared group.
    await chmod(this.path, 0o660);
    const { dev, ino } = await lstat(this.path);
    this.bound = { dev, ino };
  }

  /**
   * Answers whether the path had to be taken back. Requests end concurrently: each check waits for the one before
   * (two could both find an impostor and listen twice), then looks at the path itself.
   */
  restore(): Promise<boolean> {
    const check = this.checked.then(() => this.takeBack());
    this.checked = check.catch(() => undefined);
    return check;
  }

  private async takeBack(): Promise<boolean> {
    const info = await lstat(this.path).catch(() => undefined);
    if (info && this.bound && info.dev === this.bound.dev && info.ino === this.bound.ino) return false;
    // Closing the moved server unlinks the path it was bound to (libuv does), so close it before listening anew.
    this.server?.close();
    await this.listen();
    return true;
  }

  /** Stops listening; resolves when the open connections have ended. */
  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
