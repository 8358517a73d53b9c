import { Socket } from 'node:net';
import { Logger } from '../log/logger';
import { CommandRunner } from './command-runner';
import { GitOperations } from './git-operations';
import { GuardedSocket } from './guarded-socket';
import { parseSandboxRequest, SandboxRequest, SandboxRequestError, SandboxResponse } from './sandbox-protocol';
import { SandboxConfig } from './sandbox-config';
import { TaskDirectories, taskRoot } from './task-directories';
import { TaskScratch } from './task-scratch';

/** A request line larger than this is refused (a command is at most 256 KiB). */
const MAX_REQUEST_BYTES = 512 * 1024;

/**
 * The sandbox sidecar's socket server: one JSON request per connection, one
 * JSON response line, then close. It serves one task at a time (the agent
 * runs at concurrency 1), so every process a command started belongs to that
 * task: after every command, and before every git step, they are all killed,
 * and the socket is taken back if a command replaced it. Lifecycle:
 * `start()` once, `close()` any number of times.
 */
export class SandboxServer {
  private readonly socket: GuardedSocket;
  private readonly runner = new CommandRunner();
  private readonly git: GitOperations;
  private readonly tasks: TaskDirectories;
  private readonly scratch: TaskScratch;
  /** The task prepared last and not cleaned up yet: the one the sandbox serves. */
  private currentTask?: string;
  /** One per open connection: aborting it kills that connection's command. */
  private readonly connections = new Set<AbortController>();
  private started = false;
  private closing?: Promise<void>;

  constructor(
    private readonly config: SandboxConfig,
    private readonly logger: Logger,
  ) {
    this.git = new GitOperations(this.runner, { baseEnv: config.baseEnv, caFile: config.gitCaFile });
    this.tasks = new TaskDirectories(taskRoot(config.workspaceDir));
    this.scratch = new TaskScratch(config.baseEnv);
    this.socket = new GuardedSocket(config.socketPath, (socket) => this.serve(socket));
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('SandboxServer.start() was already called');
    this.started = true;
    // Commands run as the server's uid, and the sweep after each one kills processes of that uid: never root's.
    if (process.getuid?.() === 0) throw new Error('the sandbox must not run as root: the commands run as its uid (the pod runs it as 10002)');
    await this.scratch.clear();
    await this.socket.listen();
  }

  /** Stops listening and kills every running command; resolves when their answers are out. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = this.socket.close();
      for (const connection of this.connections) connection.abort();
      await closed;
    })();
    return this.closing;
  }

  private serve(socket: Socket): void {
    let buffered = '';
    let answered = false;
    const answer = (response: SandboxResponse) => {
      if (answered) return;
      answered = true;
      socket.end(`${JSON.stringify(response)}\n`);
    };
    // A client that hangs up (its task was stopped) needs its command no more.
    const hungUp = new AbortController();
    this.connections.add(hungUp);
    socket.on('close', () => {
      hungUp.abort();
      this.connections.delete(hungUp);
    });
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      if (answered) return;
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end === -1) {
        if (buffered.length > MAX_REQUEST_BYTES) answer({ ok: false, error: `the request is larger than ${MAX_REQUEST_BYTES} bytes` });
        return;
      }
      socket.pause();
      void this.handle(buffered.slice(0, end), hungUp.signal).then(answer);
    });
  }

  private async handle(line: string, hungUp: AbortSignal): Promise<SandboxResponse> {
    let request: SandboxRequest;
    try {
      request = parseSandboxRequest(line);
    } catch (error) {
      if (!(error instanceof SandboxRequestError)) throw error;
      this.logger.warn('request refused', { error: error.message });
      return { ok: false, error: error.message };
    }
    const started = Date.now();
    try {
      const response = await this.dispatch(request, hungUp);
      this.logger.debug('request done', { op: request.op, ms: Date.now() - started });
      return response;
    } catch (error) {
      this.logger.warn('request failed', { op: request.op, error: (error as Error).message });
      return { ok: false, error: (error as Error).message };
    } finally {
      await this.restoreSocket();
    }
  }

  /** Before the answer goes out, so the agent's next request (maybe carrying a token) reaches this server. */
  private async restoreSocket(): Promise<void> {
    if (this.closing) return;
    try {
      if (await this.socket.restore()) this.logger.warn('the socket was replaced; removed the impostor and listening again', { socket: this.socket.path });
    } catch (error) {
      this.logger.error('cannot take the socket back', { socket: this.socket.path, error: (error as Error).message });
    }
  }

  private async dispatch(request: SandboxRequest, hungUp: AbortSignal): Promise<SandboxResponse> {
    switch (request.op) {
      case 'ping':
        return { ok: true };
      case 'prepare':
        await this.runner.sweep();
        await this.tasks.prepare(request.task);
        await this.scratch.prepare(request.task);
        this.currentTask = request.task;
        return { ok: true };
      case 'cleanup':
        // An agent that restarted removes its dead tasks' directories, maybe while its new task runs a command: their
        // processes died after their last command, and the current task's must live on.
        if (this.currentTask === undefined || this.currentTask === request.task) await this.runner.sweep();
        if (this.currentTask === request.task) this.currentTask = undefined;
        await this.tasks.remove(request.task);
        await this.scratch.remove(request.task);
        return { ok: true };
      case 'run': {
        const cwd = await this.tasks.existing(request.task);
        const outcome = await this.runner.run({
          // prlimit caps the processes of the sandbox's user for this command and all it starts.
          argv: ['prlimit', `--nproc=${this.config.maxProcesses}`, '--', 'sh', '-c', request.command],
          cwd,
          env: { ...this.config.baseEnv, ...(await this.scratch.dirs(request.task)) },
          timeoutMs: request.timeoutMs,
          outputBytes: request.outputBytes,
          signal: hungUp,
        });
        const { exitCode, signal, timedOut, stdout, stderr, stdoutTruncated, stderrTruncated, durationMs } = outcome;
        return { ok: true, exitCode, signal, timedOut, stdout, stderr, stdoutTruncated, stderrTruncated, durationMs };
      }
      case 'clone':
        // Nothing a command left may watch a git process that holds a token (its /proc/<pid>/fd/3, its environment).
        await this.runner.sweep();
        return { ok: true, commit: await this.git.clone(await this.tasks.existing(request.task), request.url, request.ref, request.token, request.timeoutMs) };
      case 'diff': {
        await this.runner.sweep();
        const { patch, ...rest } = await this.git.diff(await this.tasks.existing(request.task), request.base, request.maxBytes, request.timeoutMs);
        return { ok: true, ...rest, ...(patch ? { patchBase64: patch.toString('base64') } : {}) };
      }
      case 'push':
        await this.runner.sweep();
        return { ok: true, commit: await this.git.push(await this.tasks.existing(request.task), request.url, request.branch, request.base, request.message, request.token, request.timeoutMs) };
    }
  }
}
