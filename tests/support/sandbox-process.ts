import { ChildProcess, spawn } from 'node:child_process';
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

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill('SIGKILL');
    await this.exited;
  }
}
