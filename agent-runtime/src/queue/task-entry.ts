import { AgentRole, isAgentRole } from '../contract';
import { gitRefProblem, repositoryUrlProblem } from '../sandbox/repository-spec';
import { MalformedTaskError } from './malformed-task-error';

/** The JSON in a task entry's `payload` field (README: "How a task flows"). */
export interface TaskPayload {
  readonly instructions: string;
  readonly title?: string;
  /** Files to seed the workspace with: relative path -> content. */
  readonly files?: Readonly<Record<string, string>>;
  /** Binary files to seed the workspace with: relative path -> base64 content. */
  readonly binaryFiles?: Readonly<Record<string, string>>;
  readonly budget?: { readonly maxTurns?: number; readonly maxTokens?: number };
  /** A repository the sandbox clones (shallow, at `ref`) into the workspace before the first turn; the result carries the patch. */
  readonly repo?: { readonly url: string; readonly ref: string };
  /** Push the work as this branch of `repo` (needs HIVE_GIT_PUSH_TOKEN). */
  readonly push?: { readonly branch: string };
}

/** A raw stream entry: its id and its fields as Redis returns them. */
export interface StreamEntry {
  readonly entryId: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface Task {
  readonly entryId: string;
  /** The producer's task id: unique, and the idempotency key of its result. */
  readonly id: string;
  readonly payload: TaskPayload;
  /** When the producer added the entry (the stream id's milliseconds). */
  readonly enqueuedAtMs: number;
}

/** What a task id may be: it becomes part of Redis keys and directory names. */
export const TASK_ID = /^[\w.:-]{1,200}$/;
/** Largest payload an agent takes; a larger one is dead-lettered as malformed. */
export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

/** Redis replies with a flat [k1, v1, k2, v2] list. */
export function entryFromReply(entryId: string, flat: readonly string[]): StreamEntry {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
  return { entryId, fields };
}

/** The milliseconds part of a stream entry id (`<ms>-<seq>`). */
function entryTimeMs(entryId: string): number {
  return Number(entryId.split('-')[0]);
}

/** Validates an entry of `hive:tasks:<role>`; every problem is a MalformedTaskError with the reason. */
export function parseTaskEntry(role: AgentRole, entry: StreamEntry): Task {
  const { id, payload: rawPayload, role: entryRole } = entry.fields;
  if (entryRole !== undefined && (!isAgentRole(entryRole) || entryRole !== role)) {
    throw new MalformedTaskError(`entry names role '${entryRole}', but it is in the ${role} stream`);
  }
  if (id === undefined) throw new MalformedTaskError("missing field 'id'");
  if (!TASK_ID.test(id)) throw new MalformedTaskError("field 'id' must be 1-200 characters of letters, digits, '_', '.', ':' or '-'");
  if (rawPayload === undefined) throw new MalformedTaskError("missing field 'payload'");
  if (Buffer.byteLength(rawPayload) > MAX_PAYLOAD_BYTES) throw new MalformedTaskError(`payload is larger than ${MAX_PAYLOAD_BYTES} bytes`);
  let payload: unknown;
  try {
    payload = JSON.parse(rawPayload);
  } catch (error) {
    throw new MalformedTaskError(`payload is not JSON: ${(error as Error).message}`);
  }
  return { entryId: entry.entryId, id, payload: validatePayload(payload), enqueuedAtMs: entryTimeMs(entry.entryId) };
}

function validatePayload(value: unknown): TaskPayload {
  if (!isObject(value)) throw new MalformedTaskError('payload must be a JSON object');
  const { instructions, title, files, binaryFiles, budget, repo, push } = value;
  if (typeof instructions !== 'string' || instructions.trim() === '') {
    throw new MalformedTaskError("payload.instructions must be a non-empty string");
  }
  if (title !== undefined && typeof title !== 'string') throw new MalformedTaskError('payload.title must be a string');
  validateFiles('files', files, 'content');
  validateFiles('binaryFiles', binaryFiles, 'base64 content');
  if (budget !== undefined) {
    if (!isObject(budget)) throw new MalformedTaskError('payload.budget must be an object');
    for (const key of ['maxTurns', 'maxTokens'] as const) {
      const n = budget[key];
      if (n !== undefined && !(Number.isInteger(n) && (n as number) >= 1)) throw new MalformedTaskError(`payload.budget.${key} must be an integer >= 1`);
    }
  }
  validateRepository(repo, push);
  return value as unknown as TaskPayload;
}

/** `repo: {url, ref}` and `push: {branch}` of a payload at `where`; the gateway checks a message's data part with it too. */
export function validateRepository(repo: unknown, push: unknown, where = 'payload'): void {
  if (repo !== undefined) {
    if (!isObject(repo)) throw new MalformedTaskError(`${where}.repo must be an object with url and ref`);
    const urlProblem = repositoryUrlProblem(repo.url);
    if (urlProblem) throw new MalformedTaskError(`${where}.repo.url ${urlProblem}`);
    const refProblem = gitRefProblem(repo.ref);
    if (refProblem) throw new MalformedTaskError(`${where}.repo.ref ${refProblem}`);
  }
  if (push === undefined) return;
  if (repo === undefined) throw new MalformedTaskError(`${where}.push needs ${where}.repo: a branch is pushed to the task's repository`);
  if (!isObject(push)) throw new MalformedTaskError(`${where}.push must be an object with branch`);
  const branchProblem = gitRefProblem(push.branch);
  if (branchProblem) throw new MalformedTaskError(`${where}.push.branch ${branchProblem}`);
}

function validateFiles(field: string, files: unknown, what: string): void {
  if (files === undefined) return;
  if (!isObject(files)) throw new MalformedTaskError(`payload.${field} must be an object of path -> ${what}`);
  const bad = Object.entries(files).find(([, content]) => typeof content !== 'string');
  if (bad) throw new MalformedTaskError(`payload.${field}['${bad[0]}'] must be a string`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
