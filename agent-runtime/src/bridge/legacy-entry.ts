import { randomUUID } from 'node:crypto';
import { AgentRole } from '../contract';
import { MalformedTaskError } from '../queue/malformed-task-error';
import { parseTaskEntry, Task } from '../queue/task-entry';

/**
 * An entry of the old system's lists (README: "Migrating from the old
 * agents"): one JSON object, the task's payload fields (`instructions`,
 * `title`, `files`, `budget`, ...) plus an optional `id`. The bridge passes
 * it to the old workers unchanged, and to the fleet as a task entry.
 */
export interface LegacyTask {
  /** The entry's `id`, else a new one: a re-sent id lands on the same track. */
  readonly id: string;
  /** The fields of the task-stream entry: id, role, payload. */
  readonly streamFields: readonly string[];
}

/** Reads a source-list entry as a task of `role`; a MalformedTaskError says what is wrong. */
export function parseLegacyEntry(role: AgentRole, raw: string): LegacyTask {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new MalformedTaskError(`the entry is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedTaskError('the entry must be a JSON object');
  const { id, ...payload } = value as Record<string, unknown>;
  if (id !== undefined && typeof id !== 'string') throw new MalformedTaskError("field 'id' must be a string");
  // The agents' own checks, so the fleet never receives what its agents would dead-letter.
  const task: Task = parseTaskEntry(role, { entryId: '0-0', fields: { id: id ?? randomUUID(), payload: JSON.stringify(payload) } });
  return { id: task.id, streamFields: ['id', task.id, 'role', role, 'payload', JSON.stringify(task.payload)] };
}
