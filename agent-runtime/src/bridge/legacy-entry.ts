import { createHash } from 'node:crypto';
import { AgentRole } from '../contract';
import { MalformedTaskError } from '../queue/malformed-task-error';
import { parseTaskEntry } from '../queue/task-entry';

/**
 * The id an entry of the old system's lists is routed by (README: "Migrating
 * from the old agents"). It is read as leniently as the old workers read
 * entries: the `id` field when it is a string or a number, else one derived
 * from the entry's bytes, so the same entry sent again lands on the same track.
 * Whatever it is, the old workers get the entry unchanged.
 */
export function legacyEntryId(raw: string): string {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return derivedId(raw);
  }
  const id = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : derivedId(raw);
}

function derivedId(raw: string): string {
  return `legacy-${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
}

/**
 * The fields of the task-stream entry (id, role, payload) for an entry routed
 * to one of the fleet's tracks: one JSON object, the task's payload fields
 * plus an optional `id`. The agents' own checks apply, so the fleet never
 * receives what its agents would dead-letter; a MalformedTaskError says what is wrong.
 */
export function fleetTaskFields(role: AgentRole, raw: string, id: string): readonly string[] {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new MalformedTaskError(`the entry is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedTaskError('the entry must be a JSON object');
  const { id: _id, ...payload } = value as Record<string, unknown>;
  const task = parseTaskEntry(role, { entryId: '0-0', fields: { id, payload: JSON.stringify(payload) } });
  return ['id', task.id, 'role', role, 'payload', JSON.stringify(task.payload)];
}
