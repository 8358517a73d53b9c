import { ChildProcess, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchOnFreePort } from './free-port';
import { spawnUntilReady } from './ready-process';

const INSTALL = 'sudo apt-get install -y postgresql';

/** Debian puts the server binaries under /usr/lib/postgresql/<major>/bin. */
function postgresBin(tool: 'initdb' | 'postgres' | 'pg_ctl'): string {
  const root = '/usr/lib/postgresql';
  const major = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a))[0] : undefined;
  const path = major && join(root, major, 'bin', tool);
  if (!path || !existsSync(path)) throw new Error(`PostgreSQL server binaries not found under ${root}; the tests need them: ${INSTALL}`);
  return path;
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user Debian's package creates. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/** A real PostgreSQL on a free loopback port, in its own temporary directory (trust auth, user `hive`). */
export class PostgresServer {
  private process?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'hive-pg-'));

  private constructor(private currentPort: number) {}

  static async start(): Promise<PostgresServer> {
    const server = new PostgresServer(0);
    chmodSync(server.dir, 0o777);
    if (process.getuid?.() === 0) execFileSync('chown', ['postgres', server.dir]);
    const [command, args] = asServerUser(postgresBin('initdb'), ['-D', join(server.dir, 'data'), '-A', 'trust', '-U', 'hive', '--no-sync']);
    execFileSync(command, args, { stdio: 'pipe' });
    await launchOnFreePort((port) => {
      server.currentPort = port;
      return server.launch();
    });
    return server;
  }

  get port(): number {
    return this.currentPort;
  }

  get url(): string {
    return `postgresql://hive@127.0.0.1:${this.port}/postgres`;
  }

  async stop(): Promise<void> {
    const proc = this.process;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    // Fast shutdown (open connections are closed). pg_ctl, because runuser does not pass signals on.
    const [command, args] = asServerUser(postgresBin('pg_ctl'), ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
    execFileSync(command, args, { stdio: 'pipe' });
    await exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const [command, args] = asServerUser(postgresBin('postgres'), ['-D', join(this.dir, 'data'), '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
    this.process = await spawnUntilReady(command, args, { text: 'ready to accept connections', stream: 'stderr' });
  }
}
