import type { Message } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import { isAbsolute, normalize } from 'node:path';
import { MalformedTaskError } from '../queue/malformed-task-error';
import { MAX_PAYLOAD_BYTES, TaskPayload, validateRepository } from '../queue/task-entry';
import { DEFAULT_WORKSPACE_LIMITS } from '../tools/workspace';

/**
 * The most a task's files may hold in all: the agents take payloads up to
 * MAX_PAYLOAD_BYTES, and the task's first stream event repeats the message,
 * which the SDK's client refuses above 4 MiB of JSON (base64 adds a third).
 */
const MAX_FILES_BYTES = Math.min(MAX_PAYLOAD_BYTES / 2, 2 * 1024 * 1024);

/** The most a task's budget may ask for: the agents' own limits. */
export interface BudgetCaps {
  readonly maxTurns: number;
  readonly maxTokens: number;
}

/**
 * An A2A message as a task payload: text parts without a file name are the
 * instructions; text parts with one, and raw parts, seed the workspace; one
 * optional data part carries `title`, `budget`, `repo` and `push`. Anything else is refused
 * with the reason, before anything is enqueued.
 */
export function messageToPayload(message: Message | undefined, caps: BudgetCaps): TaskPayload {
  if (!message || !Array.isArray(message.parts) || message.parts.length === 0) throw invalid('the message has no parts');
  if (message.taskId) throw invalid('each message starts a new task: a message may not name an existing taskId');
  const instructions: string[] = [];
  const files: Record<string, string> = {};
  const binaryFiles: Record<string, string> = {};
  let options: TaskOptions = {};
  for (const [index, part] of message.parts.entries()) {
    const content = part.content;
    const where = `parts[${index}]`;
    switch (content?.$case) {
      case 'text':
        if (part.filename) files[workspacePath(part.filename, where, files, binaryFiles)] = content.value;
        else instructions.push(content.value);
        break;
      case 'raw':
        binaryFiles[workspacePath(part.filename, where, files, binaryFiles)] = Buffer.from(content.value).toString('base64');
        break;
      case 'data':
        options = taskOptions(content.value, where, caps);
        break;
      case 'url':
        throw invalid(`${where}: file URLs are not fetched; send the file's bytes in a raw part`);
      default:
        throw invalid(`${where}: a part needs text, raw bytes or data`);
    }
  }
  checkSizes(files, binaryFiles);
  const text = instructions.join('\n\n').trim();
  if (text === '') throw invalid('the message has no instructions: add a text part without a filename');
  return {
    instructions: text,
    ...(options.title ? { title: options.title } : {}),
    ...(Object.keys(files).length ? { files } : {}),
    ...(Object.keys(binaryFiles).length ? { binaryFiles } : {}),
    ...(options.budget ? { budget: options.budget } : {}),
    ...(options.repo ? { repo: options.repo } : {}),
    ...(options.push ? { push: options.push } : {}),
  };
}

/** What a message's data part may set. */
type TaskOptions = Pick<TaskPayload, 'title' | 'budget' | 'repo' | 'push'>;

/** Refused here what an agent would refuse later: a file over its workspace limit, or too much in all. */
function checkSizes(files: Record<string, string>, binaryFiles: Record<string, string>): void {
  const sizes = [...Object.entries(files).map(([path, text]) => [path, Buffer.byteLength(text)] as const), ...Object.entries(binaryFiles).map(([path, b64]) => [path, Buffer.byteLength(b64, 'base64')] as const)];
  const limit = DEFAULT_WORKSPACE_LIMITS.maxFileBytes;
  const large = sizes.find(([, bytes]) => bytes > limit);
  if (large) throw invalid(`file '${large[0]}' is ${large[1]} bytes; a file may hold at most ${limit}`);
  const total = sizes.reduce((sum, [, bytes]) => sum + bytes, 0);
  if (total > MAX_FILES_BYTES) throw invalid(`the files hold ${total} bytes in all; a task may carry at most ${MAX_FILES_BYTES}`);
}

function taskOptions(value: unknown, where: string, caps: BudgetCaps): TaskOptions {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${where}: the data part must be an object with title, budget, repo and push`);
  const { title, budget, repo, push, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw invalid(`${where}: unknown field ${unknown.map((k) => `'${k}'`).join(', ')} (a data part carries title, budget, repo and push)`);
  if (title !== undefined && (typeof title !== 'string' || title.length > 200)) throw invalid(`${where}.title must be a string of at most 200 characters`);
  const repository = repositoryOptions(repo, push, where);
  if (budget === undefined) return { title, ...repository };
  if (typeof budget !== 'object' || budget === null || Array.isArray(budget)) throw invalid(`${where}.budget must be an object with maxTurns and maxTokens`);
  const { maxTurns, maxTokens, ...other } = budget as Record<string, unknown>;
  if (Object.keys(other).length) throw invalid(`${where}.budget: unknown field ${Object.keys(other).map((k) => `'${k}'`).join(', ')}`);
  return { title, ...repository, budget: { maxTurns: capped(maxTurns, caps.maxTurns, `${where}.budget.maxTurns`), maxTokens: capped(maxTokens, caps.maxTokens, `${where}.budget.maxTokens`) } };
}

/** `repo: {url, ref}` and `push: {branch}`, checked as the agents check them, and with no field they would ignore. */
function repositoryOptions(repo: unknown, push: unknown, where: string): Pick<TaskPayload, 'repo' | 'push'> {
  try {
    validateRepository(repo, push, where);
  } catch (error) {
    if (error instanceof MalformedTaskError) throw invalid(error.message);
    throw error;
  }
  if (repo === undefined) return {};
  const { url, ref, ...other } = repo as Record<string, unknown>;
  if (Object.keys(other).length) throw invalid(`${where}.repo: unknown field ${Object.keys(other).map((k) => `'${k}'`).join(', ')}`);
  if (push === undefined) return { repo: { url: url as string, ref: ref as string } };
  const { branch, ...more } = push as Record<string, unknown>;
  if (Object.keys(more).length) throw invalid(`${where}.push: unknown field ${Object.keys(more).map((k) => `'${k}'`).join(', ')}`);
  return { repo: { url: url as string, ref: ref as string }, push: { branch: branch as string } };
}

function capped(value: unknown, cap: number, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < 1) throw invalid(`${where} must be an integer >= 1`);
  if ((value as number) > cap) throw invalid(`${where} is ${value}, over the role's cap of ${cap}`);
  return value as number;
}

/** A file name as a path inside the workspace; the agent checks again against symlinks. */
function workspacePath(filename: string | undefined, where: string, ...taken: Array<Record<string, string>>): string {
  if (!filename) throw invalid(`${where}: a file part needs a filename`);
  const path = normalize(filename);
  if (isAbsolute(path) || path === '..' || path.startsWith('../') || path === '.') throw invalid(`${where}: filename '${filename}' is outside the workspace`);
  if (taken.some((files) => path in files)) throw invalid(`${where}: filename '${filename}' appears twice`);
  return path;
}

function invalid(message: string): Error {
  return new RequestMalformedError(message);
}
