import { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { launchOnFreePort } from './free-port';
import { spawnUntilReady } from './ready-process';
import { requireTool } from './system-tools';

/**
 * A real redis-server on a free loopback port, with its own data directory
 * and AOF on (as in the manifests), so a restart keeps the streams.
 */
export class RedisServer {
  private process?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'hive-redis-'));

  private constructor(private currentPort: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(0);
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
    return `redis://127.0.0.1:${this.port}`;
  }

  /** A client for the test's own checks. */
  client(password?: string): Redis {
    const client = new Redis(this.url, { password, maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(n * 50, 500) });
    // Tests stop and restart Redis on purpose; the client reconnects and its commands wait.
    client.on('error', () => undefined);
    return client;
  }

  async stop(): Promise<void> {
    const proc = this.process;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  }

  /** Stops the server without closing anything (SIGSTOP) for `ms`: a stall, as a saturated or swapping Redis shows it. */
  async stall(ms: number): Promise<void> {
    this.process?.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.process?.kill('SIGCONT');
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
    this.process = await spawnRedis(['--port', String(this.port), '--dir', this.dir, '--appendonly', 'yes']);
  }
}

/** Starts a redis-server on loopback with `args`; resolves once it accepts connections. */
export function spawnRedis(args: string[]): Promise<ChildProcess> {
  return spawnUntilReady(requireTool('redis-server'), [...args, '--bind', '127.0.0.1', '--save', '', '--protected-mode', 'no'], { text: 'Ready to accept connections', stream: 'stdout' });
}
