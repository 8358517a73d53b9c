import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AgentLogLine, waitFor } from './agent-process';
import { REPO_ROOT } from './repo';
import { AGENT_ID, SANDBOX_ID } from './sandbox-users';

export const SANDBOX_ENTRY_POINT = join(REPO_ROOT, 'agent-runtime', 'dist', 'sandbox.js');

/**
 * PID 1 of the sandbox's PID namespace, as tini is in the pod: it starts the
 * server and, while it waits for it, the shell reaps every orphan the
 * namespace hands it (killed commands' children).
 */
const INIT = '"$@" & wait $!';

/**
 * The sandbox server started through its real entry point as the pod's
 * sandbox user: uid and gid 10002 with the agent's group as supplementary
 * group, an environment that holds no secret, and its own PID namespace (the
 * pod shares none with the agent's container). The server kills every other
 * process of its uid it can see: the namespace keeps it from seeing the
 * sandboxes of other test files, which run as the same uid.
 */
export class SandboxProcess {
  readonly logs: AgentLogLine[] = [];
  stderr = '';
  private partial = '';
  private serverPid = 0;
  /** The server's PID namespace (`pid:[inode]`): the processes it can see. */
  private namespace = '';
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
    const serverArgv = ['setpriv', '--reuid', String(SANDBOX_ID), '--regid', String(SANDBOX_ID), '--groups', String(AGENT_ID), '--', process.execPath, SANDBOX_ENTRY_POINT];
    const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--', 'sh', '-c', INIT, 'sandbox-init', ...serverArgv], {
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
    // unshare's one child is the namespace's init; the init's is the server.
    const [init] = childrenOf(child.pid!);
    const [server] = init === undefined ? [] : childrenOf(init);
    if (server === undefined) throw new Error(`cannot find the sandbox server below unshare (pid ${child.pid})`);
    sandbox.serverPid = server;
    sandbox.namespace = readlinkSync(`/proc/${server}/ns/pid`);
    return sandbox;
  }

  /** The server's PID as the tests see it, once it listens. */
  get pid(): number {
    return this.serverPid;
  }

  /** SIGKILL to the server, as an OOM kill or a failed liveness probe ends the container; its namespace's init then exits. */
  kill(): void {
    process.kill(this.serverPid, 'SIGKILL');
  }

  /** SIGTERM to the server (it kills its running commands), then SIGKILL if it is still there after 3 s. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(this.serverPid, name);
      } catch {
        // Exited already.
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 3_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Command lines of every process of the sandbox's user in its PID namespace but the server: what commands left behind. */
  leftovers(): string[] {
    const found: string[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === this.serverPid) continue;
      try {
        if (statSync(`/proc/${entry}`).uid !== SANDBOX_ID || readlinkSync(`/proc/${entry}/ns/pid`) !== this.namespace) continue;
        const state = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // A zombie is dead; it waits for the init to reap it.
        if (state.slice(state.lastIndexOf(')') + 2).startsWith('Z')) continue;
        found.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '));
      } catch {
        // Exited meanwhile.
      }
    }
    return found;
  }
}

function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}
