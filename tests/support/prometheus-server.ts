import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { waitFor } from './agent-process';
import { freePort } from './free-port';
import { requireTool } from './system-tools';

/** An alert as /api/v1/alerts reports it. */
export interface ActiveAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

/** A real Prometheus (Debian's package) on loopback, with its own data directory. */
export class PrometheusServer {
  private constructor(
    private readonly process: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    private readonly log: () => string,
  ) {}

  /** `config` is prometheus.yml as an object; `ruleFiles` are written beside it and listed in it. */
  static async start(config: Record<string, unknown>, ruleFiles: Record<string, unknown>): Promise<PrometheusServer> {
    const binary = requireTool('prometheus');
    const dir = mkdtempSync(join(tmpdir(), 'hive-prometheus-'));
    for (const [name, content] of Object.entries(ruleFiles)) writeFileSync(join(dir, name), stringify(content));
    writeFileSync(join(dir, 'prometheus.yml'), stringify({ ...config, rule_files: Object.keys(ruleFiles).map((n) => join(dir, n)) }));
    const port = await freePort();
    const proc = spawn(binary, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    proc.stdout!.on('data', (c) => (log += c));
    proc.stderr!.on('data', (c) => (log += c));
    const server = new PrometheusServer(proc, dir, `http://127.0.0.1:${port}`, () => log);
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`prometheus exited: ${log.slice(-2000)}`);
        return (await fetch(`${server.url}/-/ready`).catch(() => undefined))?.ok === true;
      },
      30_000,
      'prometheus to be ready',
    );
    return server;
  }

  async api<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}/api/v1/${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  }

  /** An instant query, evaluated now. */
  async query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    return (await this.api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`query?query=${encodeURIComponent(expr)}`)).result;
  }

  async metricNames(): Promise<string[]> {
    return this.api<string[]>('label/__name__/values');
  }

  async alerts(): Promise<ActiveAlert[]> {
    return (await this.api<{ alerts: ActiveAlert[] }>('alerts')).alerts;
  }

  async targets(): Promise<Array<{ health: string; labels: Record<string, string>; lastError: string }>> {
    return (await this.api<{ activeTargets: Array<{ health: string; labels: Record<string, string>; lastError: string }> }>('targets')).activeTargets;
  }

  /** Its own output, for failure messages. */
  output(): string {
    return this.log().slice(-3000);
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null) {
      const exited = new Promise((r) => this.process.once('exit', r));
      this.process.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
