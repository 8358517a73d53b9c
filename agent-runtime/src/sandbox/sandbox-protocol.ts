import { SANDBOX_LIMIT_BOUNDS } from '../contract';
import { gitRefProblem, repositoryUrlProblem } from './repository-spec';

/**
 * The agent <-> sandbox protocol (README: "Agents that run code"): one JSON
 * request line per Unix-socket connection, one JSON response line, then the
 * server closes. Every failure answers `{"ok":false,"error":"..."}`.
 */

/** A task's directory: a name below the task root, never a path. */
export interface TaskRequest {
  readonly task: string;
}

export type SandboxRequest =
  | { readonly op: 'ping' }
  /** Makes the task's directory (owned by the sandbox, group-shared with the agent). */
  | ({ readonly op: 'prepare' } & TaskRequest)
  /** A shell command in the task's directory, with a scrubbed environment, in its own process group. */
  | ({ readonly op: 'run'; readonly command: string; readonly timeoutMs: number; readonly outputBytes: number } & TaskRequest)
  /** A shallow checkout of `ref` into the (empty) task directory; `token` reaches only that git process. */
  | ({ readonly op: 'clone'; readonly url: string; readonly ref: string; readonly token?: string; readonly timeoutMs: number } & TaskRequest)
  /** Stages everything and answers the binary diff against `base`, unless it is larger than `maxBytes`. */
  | ({ readonly op: 'diff'; readonly base: string; readonly maxBytes: number; readonly timeoutMs: number } & TaskRequest)
  /** Commits the staged work on top of `base` and pushes it to `branch` of `url`; `token` reaches only the pushing git process. */
  | ({ readonly op: 'push'; readonly url: string; readonly branch: string; readonly base: string; readonly message: string; readonly token: string; readonly timeoutMs: number } & TaskRequest)
  /** Removes the task's directory and everything in it. */
  | ({ readonly op: 'cleanup' } & TaskRequest);

export interface CommandResponse {
  readonly ok: true;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  readonly durationMs: number;
}

export interface CloneResponse {
  readonly ok: true;
  /** The commit checked out: the base of the task's patch. */
  readonly commit: string;
}

export interface DiffResponse {
  readonly ok: true;
  /** Size of the whole patch, also when it is too large to answer. */
  readonly patchBytes: number;
  /** The patch's bytes in base64 (a patch need not be UTF-8); absent when `tooLarge`. */
  readonly patchBase64?: string;
  readonly tooLarge: boolean;
}

export interface PushResponse {
  readonly ok: true;
  readonly commit: string;
}

export type SandboxFailure = { readonly ok: false; readonly error: string };
export type SandboxResponse = { readonly ok: true } | CommandResponse | CloneResponse | DiffResponse | PushResponse | SandboxFailure;

/** A request the server refuses before doing anything; the message names the field. */
export class SandboxRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxRequestError';
  }
}

/** Task directory names are the agent's unguessable random names: no path, no dot. */
export const TASK_NAME = /^[A-Za-z0-9_-]{1,128}$/;
/** The longest a command may be given, and the most output per stream (or patch) it may return: the agent's limits at their largest. */
const MAX_TIMEOUT_MS = SANDBOX_LIMIT_BOUNDS.commandTimeoutSeconds.max * 1000;
const MAX_OUTPUT_BYTES = Math.max(SANDBOX_LIMIT_BOUNDS.commandOutputBytes.max, SANDBOX_LIMIT_BOUNDS.maxPatchBytes.max);
const MAX_COMMAND_CHARS = 256 * 1024;
const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** Validates one request line; every problem is a SandboxRequestError naming the field. */
export function parseSandboxRequest(line: string): SandboxRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new SandboxRequestError(`the request is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SandboxRequestError('the request must be a JSON object');
  const request = value as Record<string, unknown>;
  const read = fieldReader(request);
  switch (request.op) {
    case 'ping':
      return { op: 'ping' };
    case 'prepare':
    case 'cleanup':
      return { op: request.op, task: read.task() };
    case 'run': {
      const command = read.string('command');
      if (command.length > MAX_COMMAND_CHARS) throw new SandboxRequestError(`'command' is ${command.length} characters; the most is ${MAX_COMMAND_CHARS}`);
      return { op: 'run', task: read.task(), command, timeoutMs: read.integer('timeoutMs', 1, MAX_TIMEOUT_MS), outputBytes: read.integer('outputBytes', 0, MAX_OUTPUT_BYTES) };
    }
    case 'clone':
      return { op: 'clone', task: read.task(), url: read.url(), ref: read.ref('ref'), timeoutMs: read.integer('timeoutMs', 1, MAX_TIMEOUT_MS), ...read.token(false) };
    case 'diff':
      return { op: 'diff', task: read.task(), base: read.commit('base'), maxBytes: read.integer('maxBytes', 0, MAX_OUTPUT_BYTES), timeoutMs: read.integer('timeoutMs', 1, MAX_TIMEOUT_MS) };
    case 'push':
      return {
        op: 'push',
        task: read.task(),
        url: read.url(),
        branch: read.ref('branch'),
        base: read.commit('base'),
        message: read.string('message'),
        timeoutMs: read.integer('timeoutMs', 1, MAX_TIMEOUT_MS),
        token: read.token(true).token!,
      };
    default:
      throw new SandboxRequestError(`'op' must be one of ping, prepare, run, clone, diff, push, cleanup, got ${JSON.stringify(request.op)}`);
  }
}

function fieldReader(request: Record<string, unknown>) {
  const string = (field: string): string => {
    const value = request[field];
    if (typeof value !== 'string' || value === '') throw new SandboxRequestError(`'${field}' must be a non-empty string`);
    return value;
  };
  return {
    string,
    task(): string {
      const task = request.task;
      if (typeof task !== 'string' || !TASK_NAME.test(task)) throw new SandboxRequestError(`'task' must be a task directory name (1-128 letters, digits, '_' or '-'), got ${JSON.stringify(task)}`);
      return task;
    },
    integer(field: string, min: number, max: number): number {
      const value = request[field];
      if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
        throw new SandboxRequestError(`'${field}' must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
      }
      return value as number;
    },
    url(): string {
      const problem = repositoryUrlProblem(request.url);
      if (problem) throw new SandboxRequestError(`'url' ${problem}`);
      return request.url as string;
    },
    ref(field: string): string {
      const problem = gitRefProblem(request[field]);
      if (problem) throw new SandboxRequestError(`'${field}' ${problem}`);
      return request[field] as string;
    },
    commit(field: string): string {
      const value = request[field];
      if (typeof value !== 'string' || !COMMIT.test(value)) throw new SandboxRequestError(`'${field}' must be a full commit id (hex), got ${JSON.stringify(value)}`);
      return value;
    },
    token(required: boolean): { token?: string } {
      const token = request.token;
      if (token === undefined && !required) return {};
      if (typeof token !== 'string' || token === '' || /[\r\n\0]/.test(token)) throw new SandboxRequestError(`'token' must be a non-empty single-line string`);
      return { token };
    },
  };
}
