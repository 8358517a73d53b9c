import { ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { waitFor } from './agent-process';
import { freePort, launchOnFreePort } from './free-port';
import { spawnRedis } from './redis-server';
import { requireTool } from './system-tools';

/** A real Redis Cluster of three masters on loopback, each node with its own directory. */
export class RedisCluster {
  private constructor(
    private readonly nodes: ChildProcess[],
    readonly ports: number[],
    private readonly dir: string,
  ) {}

  static async start(): Promise<RedisCluster> {
    const cli = requireTool('redis-cli');
    const dir = mkdtempSync(join(tmpdir(), 'hive-cluster-'));
    const nodes: ChildProcess[] = [];
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await launchOnFreePort(async (port) => {
        const nodeDir = join(dir, String(port));
        mkdirSync(nodeDir, { recursive: true });
        // The bus port is the client port + 10000 unless set: above 55535, or taken, the node would not start.
        const busPort = await freePort();
        nodes.push(await spawnRedis(['--port', String(port), '--dir', nodeDir, '--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', join(nodeDir, 'nodes.conf')]));
      });
      ports.push(port);
    }
    const cluster = new RedisCluster(nodes, ports, dir);
    execFileSync(cli, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore' });
    await waitFor(() => execFileSync(cli, ['-p', String(ports[0]), 'cluster', 'info'], { encoding: 'utf8' }).includes('cluster_state:ok'), 20_000, 'cluster_state:ok');
    return cluster;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.ports[0]}`;
  }

  client(): Cluster {
    const client = new Cluster([{ host: '127.0.0.1', port: this.ports[0] }], { redisOptions: { maxRetriesPerRequest: null } });
    client.on('error', () => undefined);
    return client;
  }

  async destroy(): Promise<void> {
    await Promise.all(
      this.nodes.map((node) => {
        if (node.exitCode !== null) return undefined;
        const exited = new Promise((resolve) => node.once('exit', resolve));
        node.kill('SIGKILL');
        return exited;
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
