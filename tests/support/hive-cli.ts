import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from './agent-process';
import { REPO_ROOT } from './repo';

/** The built CLI (`npm run build` first), run as users run it. */
export const HIVE_CLI = join(REPO_ROOT, 'agent-runtime', 'dist', 'hive.js');

export interface HiveRunOptions {
  /** The whole environment of the process, beside PATH: nothing leaks in from the test's own. */
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

export interface HiveResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A `hive` process, its output as it comes, and how it ended. */
export class HiveProcess {
  stdout = '';
  stderr = '';
  readonly result: Promise<HiveResult>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.result = new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout: this.stdout, stderr: this.stderr })));
  }

  static start(args: readonly string[], options: HiveRunOptions = {}): HiveProcess {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env };
    return new HiveProcess(spawn(process.execPath, [HIVE_CLI, ...args], { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** Waits until stderr matches, and answers the match. */
  async waitForStderr(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    let match: RegExpMatchArray | null = null;
    await waitFor(() => (match = pattern.exec(this.stderr)) !== null || this.child.exitCode !== null, timeoutMs, `hive stderr ${pattern}`);
    if (!match) throw new Error(`hive exited with ${this.child.exitCode} before printing ${pattern}: ${this.stderr}`);
    return match;
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** Runs `hive` to the end. */
export function hive(args: readonly string[], options: HiveRunOptions = {}): Promise<HiveResult> {
  return HiveProcess.start(args, options).result;
}
