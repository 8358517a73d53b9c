import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { REPO_ROOT } from './repo';

export const ENTRY_POINT = join(REPO_ROOT, 'agent-runtime', 'dist', 'main.js');
export const GATEWAY_ENTRY_POINT = join(REPO_ROOT, 'agent-runtime', 'dist', 'gateway.js');
export const BRIDGE_ENTRY_POINT = join(REPO_ROOT, 'agent-runtime', 'dist', 'bridge.js');

/** A user and group to start a process as. */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

export interface AgentLogLine {
  level: string;
  event: string;
  [field: string]: unknown;
}

/** An agent (or the gateway, or the bridge) started through its real entry point, as a child process. */
export class AgentProcess {
  readonly logs: AgentLogLine[] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly process: ChildProcess,
    readonly healthPort: number,
    readonly metricsPort: number,
    readonly env: Record<string, string>,
  ) {
    process.stdout!.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      const lines = this.stdout.split('\n');
      this.stdout = lines.pop()!;
      for (const line of lines.filter(Boolean)) this.logs.push(JSON.parse(line) as AgentLogLine);
    });
    process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => process.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /**
   * Starts an agent; `env` overrides the defaults (free ports, a fresh
   * workspace, a fast claim timeout). `runAs`: the uid and gid of the process
   * (the tests run as root; the pod does not).
   */
  static async start(env: Record<string, string>, entryPoint = ENTRY_POINT, runAs?: RunAs): Promise<AgentProcess> {
    const healthPort = await freePort();
    const metricsPort = await freePort();
    const fullEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HIVE_HEALTH_PORT: String(healthPort),
      HIVE_METRICS_PORT: String(metricsPort),
      HIVE_WORKSPACE_DIR: mkdtempSync(join(tmpdir(), 'hive-ws-')),
      ANTHROPIC_MODEL: 'claude-test',
      ANTHROPIC_API_KEY: 'sk-ant-test-key-0123456789',
      HIVE_CLAIM_IDLE_MS: '1500',
      HIVE_SHUTDOWN_GRACE_MS: '5000',
      ...env,
    };
    const child = spawn(process.execPath, [entryPoint], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'], ...runAs });
    return new AgentProcess(child, Number(fullEnv.HIVE_HEALTH_PORT), Number(fullEnv.HIVE_METRICS_PORT), fullEnv);
  }

  async get(path: string, port = this.healthPort): Promise<{ status: number; body: string }> {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3_000) });
    return { status: response.status, body: await response.text() };
  }

  async metrics(): Promise<string> {
    return (await this.get('/metrics', this.metricsPort)).body;
  }

  /** Waits until /readyz answers `status`. */
  async waitForReadiness(status: 200 | 503, timeoutMs = 15_000): Promise<void> {
    await waitFor(
      async () => {
        if (this.process.exitCode !== null) throw new Error(`agent exited with ${this.process.exitCode}: ${this.stderr}${JSON.stringify(this.logs.slice(-3))}`);
        return (await this.get('/readyz').catch(() => ({ status: 0 }))).status === status;
      },
      timeoutMs,
      `/readyz ${status}`,
    );
  }

  async waitForLog(event: string, timeoutMs = 15_000, match: (line: AgentLogLine) => boolean = () => true): Promise<AgentLogLine> {
    let found: AgentLogLine | undefined;
    await waitFor(async () => (found = this.logs.find((l) => l.event === event && match(l))) !== undefined, timeoutMs, `log '${event}'`);
    return found!;
  }

  kill(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill('SIGKILL');
    await this.exited;
  }
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Series a scrape lists more than once (Prometheus refuses such a scrape whole). */
export function duplicateSeries(scrape: string): string[] {
  const series = scrape
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.slice(0, line.lastIndexOf(' ')));
  return series.filter((name, index) => series.indexOf(name) !== index);
}
