import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { waitFor } from './agent-process';
import { freePort } from './free-port';
import { requireTool } from './system-tools';

/** A real Redis Cluster of three masters on loopback, each node with its own directory. */
export class RedisCluster {
  private constructor(
    private readonly nodes: ChildProcess[],
    readonly ports: number[],
    private readonly dir: string,
  ) {}

  static async start(): Promise<RedisCluster> {
    const binary = requireTool('redis-server');
    const cli = requireTool('redis-cli');
    const dir = mkdtempSync(join(tmpdir(), 'hive-cluster-'));
    const ports = [await freePort(), await freePort(), await freePort()];
    // The bus port is the client port + 10000 unless set: above 55535, or taken, the node would not start.
    const busPorts = [await freePort(), await freePort(), await freePort()];
    const nodes = ports.map((port, i) => {
      const nodeDir = join(dir, String(port));
      mkdirSync(nodeDir);
      const config = ['--cluster-enabled', 'yes', '--cluster-port', String(busPorts[i]), '--cluster-config-file', join(nodeDir, 'nodes.conf')];
      return spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', nodeDir, ...config, '--save', '', '--protected-mode', 'no'], { stdio: 'ignore' });
    });
    const cluster = new RedisCluster(nodes, ports, dir);
    for (const port of ports) {
      await waitFor(() => execFileSync(cli, ['-p', String(port), 'ping'], { encoding: 'utf8' }).includes('PONG'), 10_000, `cluster node ${port}`);
    }
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
