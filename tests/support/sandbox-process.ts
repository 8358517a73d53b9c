import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AgentLogLine, waitFor } from './agent-process';
import { REPO_ROOT } from './repo';
import { AGENT_ID, SANDBOX_ID } from './sandbox-users';

export const SANDBOX_ENTRY_POINT = join(REPO_ROOT, 'agent-runtime', 'dist', 'sandbox.js');

/**
 * The sandbox server started through its real entry point as the pod's
 * sandbox user: uid and gid 10002 with the agent's group as supplementary
 * group, and an environment that holds no secret.
 */
export class SandboxProcess {
  readonly logs: AgentLogLine[] = [];
  stderr = '';
  private partial = '';
  readonly exited: Promise<unknown>;

  private constructor(readonly process: ChildProcess) {
    process.stdout!.on('data', (chunk: Buffer) => {
      const lines = (this.partial + chunk.toString()).split('\n');
      this.partial = lines.pop()!;
      for (const line of lines.filter(Boolean)) this.logs.push(JSON.parse(line) as AgentLogLine);
    });
    process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => process.once('exit', resolve));
  }

  /** Starts the server and waits until it listens. */
  static async start(env: Record<string, string>): Promise<SandboxProcess> {
    // Node's own uid/gid options drop supplementary groups; setpriv sets them as the pod does.
    const child = spawn('setpriv', ['--reuid', String(SANDBOX_ID), '--regid', String(SANDBOX_ID), '--groups', String(AGENT_ID), '--', process.execPath, SANDBOX_ENTRY_POINT], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const sandbox = new SandboxProcess(child);
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`the sandbox exited with ${child.exitCode}: ${sandbox.stderr}${JSON.stringify(sandbox.logs)}`);
        return sandbox.logs.some((l) => l.event === 'listening');
      },
      10_000,
      'the sandbox to listen',
    );
    return sandbox;
  }

  /** SIGTERM (the server kills its running commands), then SIGKILL if it is still there after 3 s. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 3_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Command lines of the sandbox user's processes that carry a sandbox run marker: what a command left behind. */
export function leftovers(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (statSync(`/proc/${entry}`).uid !== SANDBOX_ID) continue;
      if (!readFileSync(`/proc/${entry}/environ`).includes('HIVE_SANDBOX_RUN=')) continue;
      found.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      // Exited meanwhile.
    }
  }
  return found;
}
