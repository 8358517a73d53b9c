import Redis from 'ioredis';
import { AgentRole, consumerGroup, hiveKeys } from '../../agent-runtime/src/contract';

const STREAMS = hiveKeys();
import { waitFor } from './agent-process';

export interface ResultEntry {
  entryId: string;
  taskId: string;
  role: string;
  agent: string;
  status: 'succeeded' | 'failed' | 'dead_lettered' | 'canceled';
  output: { text: string; files: Record<string, string>; usage: { input_tokens: number; output_tokens: number }; turns: number; error?: string };
}

/** Adds a task the way a producer does; `fields` replaces the well-formed fields when given. */
export async function enqueue(redis: Redis, role: AgentRole, id: string, payload: unknown, fields?: string[]): Promise<string> {
  const entry = fields ?? ['id', id, 'payload', typeof payload === 'string' ? payload : JSON.stringify(payload)];
  return (await redis.xadd(STREAMS.tasks(role), '*', ...entry))!;
}

function fieldsOf(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
  return fields;
}

export async function results(redis: Redis): Promise<ResultEntry[]> {
  return (await redis.xrange(STREAMS.results, '-', '+')).map(([entryId, flat]) => {
    const f = fieldsOf(flat);
    return { entryId, taskId: f.taskId, role: f.role, agent: f.agent, status: f.status as ResultEntry['status'], output: JSON.parse(f.output) };
  });
}

export async function deadLetters(redis: Redis, role: AgentRole): Promise<Array<Record<string, string>>> {
  return (await redis.xrange(STREAMS.deadLetters(role), '-', '+')).map(([, flat]) => fieldsOf(flat));
}

export async function waitForResults(redis: Redis, count: number, timeoutMs = 20_000): Promise<ResultEntry[]> {
  let found: ResultEntry[] = [];
  await waitFor(async () => (found = await results(redis)).length >= count, timeoutMs, `${count} results`);
  return found;
}

/** Entries of a role's group not yet acknowledged. */
export async function pendingCount(redis: Redis, role: AgentRole): Promise<number> {
  const summary = (await redis.xpending(STREAMS.tasks(role), consumerGroup(role))) as [number, ...unknown[]];
  return summary[0];
}
