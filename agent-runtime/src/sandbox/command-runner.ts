import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { CommandResponse } from './sandbox-protocol';
import { killUserProcesses } from './user-processes';

/** One process the sandbox starts: a model's command or one of its own git steps. */
export interface CommandSpec {
  /** Program and arguments; never through a shell unless argv says so. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The whole environment of the process: nothing is inherited from the server. */
  readonly env: Readonly<Record<string, string>>;
  /** The whole process group is killed (SIGKILL) at this point. */
  readonly timeoutMs: number;
  /** Bytes kept per stream; the rest is read and dropped so the process never blocks on a full pipe. */
  readonly outputBytes: number;
  /** Written to the process's file descriptor 3, then closed: a secret that must appear in no environment or argv. */
  readonly fd3?: string;
  /** Kills the process group early (the client went away). */
  readonly signal?: AbortSignal;
  /**
   * After the process, kill every other process of the uid a command started.
   * The sandbox's own git steps start nothing that leaves the group, and their
   * request swept before them. @default true
   */
  readonly sweep?: boolean;
}

/** What the protocol answers for a command, and what the sandbox's own git steps need beside it. */
export interface CommandOutcome extends Omit<CommandResponse, 'ok'> {
  /** The kept bytes of stdout as they came (a patch need not be UTF-8). */
  readonly stdoutRaw: Buffer;
  /** Bytes stdout produced in all, kept or not. */
  readonly stdoutBytes: number;
}

/** How long the streams may stay open after the process exited: a stray holding them is killed meanwhile. */
const DRAIN_MS = 2_000;

/**
 * Runs processes in their own session and process group. When the process
 * exits or its time is up, the whole group is killed, then every other
 * process the commands started (one that left the group): nothing a command
 * started outlives its response. Relies on the sandbox serving one task, and
 * so running one process, at a time.
 */
export class CommandRunner {
  private readonly uid = process.getuid!();

  /** Kills every process of the sandbox's uid that a command started (user-processes.ts). */
  sweep(): Promise<number> {
    return killUserProcesses(this.uid);
  }

  async run(spec: CommandSpec): Promise<CommandOutcome> {
    const started = Date.now();
    const child = spawn(spec.argv[0], spec.argv.slice(1), {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', spec.fd3 === undefined ? 'ignore' : 'pipe'],
    });
    if (spec.fd3 !== undefined) (child.stdio[3] as NodeJS.WritableStream).end(`${spec.fd3}\n`);
    const stdout = capture(child.stdout!, spec.outputBytes);
    const stderr = capture(child.stderr!, spec.outputBytes);
    let timedOut = false;
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is empty already.
      }
    };
    // The process's exit follows, and the sweep after it: one sweep, awaited, so none still runs when the next command starts.
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, spec.timeoutMs);
    spec.signal?.addEventListener('abort', killGroup, { once: true });
    // An abort that came before the listener fires no event.
    if (spec.signal?.aborted) killGroup();
    const exit = await new Promise<{ code: number | null; signal: string | null; error?: Error }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    clearTimeout(timer);
    spec.signal?.removeEventListener('abort', killGroup);
    killGroup();
    if (spec.sweep !== false) await this.sweep();
    const streams = await Promise.race([Promise.all([stdout.done, stderr.done]), new Promise((r) => setTimeout(r, DRAIN_MS))]);
    if (streams === undefined) {
      child.stdout!.destroy();
      child.stderr!.destroy();
    }
    if (exit.error) throw new Error(`cannot start '${spec.argv[0]}': ${exit.error.message}`);
    const stdoutRaw = stdout.bytes();
    return {
      exitCode: exit.code,
      signal: exit.signal,
      timedOut,
      stdout: stdoutRaw.toString('utf8'),
      stderr: stderr.bytes().toString('utf8'),
      stdoutTruncated: stdout.truncated(),
      stderrTruncated: stderr.truncated(),
      stdoutRaw,
      stdoutBytes: stdout.total(),
      durationMs: Date.now() - started,
    };
  }
}

/** Keeps the first `limit` bytes of a stream and counts the rest. */
function capture(stream: Readable, limit: number) {
  const chunks: Buffer[] = [];
  let kept = 0;
  let total = 0;
  stream.on('data', (chunk: Buffer) => {
    total += chunk.byteLength;
    if (kept >= limit) return;
    const part = chunk.subarray(0, limit - kept);
    chunks.push(part);
    kept += part.byteLength;
  });
  const done = new Promise<void>((resolve) => {
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  return {
    done,
    bytes: () => Buffer.concat(chunks),
    truncated: () => total > limit,
    total: () => total,
  };
}
